package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
)

//go:embed templates/*.html static/app.css
var assets embed.FS

// pageData is what the page templates render.
type pageData struct {
	Name  string // the page's template name, for the navigation's current link
	Title string
}

// pageTitles lists the pages and their titles.
var pageTitles = map[string]string{
	"index":     "Mina",
	"dashboard": "Dashboard · Mina",
	"settings":  "Settings · Mina",
}

// renderPages renders every page once: they depend on nothing per request, so serving one is
// a write of prepared bytes (the seed's static-page SLOs measure the server, not a template
// engine).
func renderPages() (map[string][]byte, error) {
	t, err := template.ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("api: parse page templates: %w", err)
	}
	pages := make(map[string][]byte, len(pageTitles))
	for name, title := range pageTitles {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, name+".html", pageData{Name: name, Title: title}); err != nil {
			return nil, fmt.Errorf("api: render page %q: %w", name, err)
		}
		pages[name] = b.Bytes()
	}
	css, err := assets.ReadFile("static/app.css")
	if err != nil {
		return nil, fmt.Errorf("api: read app.css: %w", err)
	}
	pages["app.css"] = css
	return pages, nil
}

// page serves a rendered page.
func (s *Server) page(name string) http.HandlerFunc {
	b := s.pages[name]
	return func(w http.ResponseWriter, r *http.Request) {
		writeStatic(w, "text/html; charset=utf-8", "no-cache", b)
	}
}

// css serves the stylesheet.
func (s *Server) css(w http.ResponseWriter, r *http.Request) {
	writeStatic(w, "text/css; charset=utf-8", "public, max-age=3600", s.pages["app.css"])
}

// writeStatic answers 200 with prepared bytes.
func writeStatic(w http.ResponseWriter, contentType, cacheControl string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

package api

import (
	"context"
	"net/http"
	"sync"
)

// healthBody is the JSON of /health. Checks maps each dependency to "ok" or the reason it is
// down; Down lists the names of those that are down (absent when none is).
type healthBody struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks"`
	Down   []string          `json:"down,omitempty"`
}

// health pings every check concurrently, each within HealthTimeout: 200 when all answer,
// 503 naming those that did not.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	errs := make([]error, len(s.cfg.Checks))
	var wg sync.WaitGroup
	for i, c := range s.cfg.Checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HealthTimeout)
			defer cancel()
			errs[i] = c.Ping(ctx)
		})
	}
	wg.Wait()
	body := healthBody{Status: "ok", Checks: make(map[string]string, len(s.cfg.Checks))}
	for i, c := range s.cfg.Checks {
		if errs[i] != nil {
			body.Checks[c.Name] = "down: " + errs[i].Error()
			body.Down = append(body.Down, c.Name)
			continue
		}
		body.Checks[c.Name] = "ok"
	}
	status := http.StatusOK
	if len(body.Down) > 0 {
		body.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := writeJSON(w, status, body); err != nil {
		s.writeError(w, r, err)
	}
}

package chaos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// Mina drives mina's admin fault API.
type Mina struct {
	base, token string
	client      *http.Client
}

var _ Adapter = (*Mina)(nil)

func newMina(a plan.ChaosAdapter, client *http.Client) (*Mina, error) {
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want mina's base URL, e.g. http://127.0.0.1:5000", a.URL)
	}
	return &Mina{base: strings.TrimRight(a.URL, "/"), token: a.Token, client: client}, nil
}

// Apply implements Adapter: PUT /admin/faults/{name} with the fault as JSON.
func (m *Mina) Apply(ctx context.Context, e plan.ChaosEvent) error {
	return m.do(ctx, http.MethodPut, e.Name, []byte(FaultJSON(e.Fault)), http.StatusOK)
}

// Clear implements Adapter: DELETE /admin/faults/{name}.
func (m *Mina) Clear(ctx context.Context, e plan.ChaosEvent) error {
	return m.do(ctx, http.MethodDelete, e.Name, nil, http.StatusNoContent, http.StatusNotFound)
}

func (m *Mina) do(ctx context.Context, method, name string, body []byte, ok ...int) error {
	if m.token == "" {
		return fmt.Errorf("mina adapter: no admin token (start mina with --admin-token and give it with -e MINA_ADMIN_TOKEN=…)")
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+"/admin/faults/"+url.PathEscape(name), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Content-Type", "application/json")
	return send(m.client, req, ok...)
}

// send does req and checks the status.
func send(client *http.Client, req *http.Request, ok ...int) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	for _, s := range ok {
		if resp.StatusCode == s {
			return nil
		}
	}
	if len(ok) == 0 && resp.StatusCode < 300 {
		return nil
	}
	return fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Redacted(), resp.StatusCode, bytes.TrimSpace(msg))
}

// HTTP sends the user's own requests to set and clear a fault.
type HTTP struct {
	set, clear *call
	client     *http.Client
}

var _ Adapter = (*HTTP)(nil)

// call is a parsed plan.HTTPCall.
type call struct {
	method    string
	url, body *tmpl.Template
	header    []headerTmpl
}

type headerTmpl struct {
	key string
	val *tmpl.Template
}

func newHTTP(a plan.ChaosAdapter, client *http.Client) (*HTTP, error) {
	h := &HTTP{client: client}
	var err error
	if h.set, err = parseCall(a.Set); err != nil {
		return nil, fmt.Errorf("set: %w", err)
	}
	if a.Clear.URL != "" {
		if h.clear, err = parseCall(a.Clear); err != nil {
			return nil, fmt.Errorf("clear: %w", err)
		}
	}
	return h, nil
}

func parseCall(c plan.HTTPCall) (*call, error) {
	out := &call{method: c.Method}
	if out.method == "" {
		out.method = http.MethodPost
	}
	var err error
	if out.url, err = tmpl.Parse(string(c.URL)); err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if out.body, err = tmpl.Parse(string(c.Body)); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	for _, r := range append(out.url.Refs(), out.body.Refs()...) {
		if r.Func != "" || r.Root() != "fault" {
			return nil, fmt.Errorf("%s: only ${fault.…} references are filled when the fault starts", r)
		}
	}
	for _, kv := range c.Header {
		t, err := tmpl.Parse(string(kv.Value))
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", kv.Key, err)
		}
		out.header = append(out.header, headerTmpl{kv.Key, t})
	}
	return out, nil
}

// Apply implements Adapter.
func (h *HTTP) Apply(ctx context.Context, e plan.ChaosEvent) error { return h.send(ctx, h.set, e) }

// Clear implements Adapter; without a clear request there is nothing to send.
func (h *HTTP) Clear(ctx context.Context, e plan.ChaosEvent) error {
	if h.clear == nil {
		return nil
	}
	return h.send(ctx, h.clear, e)
}

func (h *HTTP) send(ctx context.Context, c *call, e plan.ChaosEvent) error {
	vars := faultVars(e)
	lookup := func(r tmpl.Ref) (any, error) {
		key := strings.TrimPrefix(r.Name, "fault.")
		if v, ok := vars[key]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("the fault has no %q", key)
	}
	u, err := c.url.Expand(nil, lookup)
	if err != nil {
		return err
	}
	body, err := c.body.Expand(nil, lookup)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, c.method, string(u), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, hd := range c.header {
		v, err := hd.val.Expand(nil, lookup)
		if err != nil {
			return err
		}
		req.Header.Set(hd.key, string(v))
	}
	return send(h.client, req)
}

// faultVars are what ${fault.…} reads: name, for (seconds), json, and the fault's keys.
func faultVars(e plan.ChaosEvent) map[string]any {
	vars := map[string]any{}
	for k, v := range e.Fault {
		vars[k] = v
	}
	vars["name"] = e.Name
	vars["for"] = strconv.FormatFloat(e.For.Seconds(), 'f', -1, 64)
	vars["json"] = FaultJSON(e.Fault)
	return vars
}

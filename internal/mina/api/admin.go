package api

import (
	"crypto/subtle"
	"net/http"
	"sort"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/chaos"
)

// The admin fault API: routes registered only when Config.AdminToken is set, each needing
// "Authorization: Bearer <admin token>" (a user's token is not enough):
//
//	GET    /admin/faults          {"faults":[{"name":…,"latency":"500ms",…}, …]}
//	PUT    /admin/faults/{name}   body: a faultJSON; sets (or replaces) that fault → 200 its JSON
//	DELETE /admin/faults/{name}   clears it → 204 (404 when it was not on)
//	DELETE /admin/faults          clears every fault → 204
//
// docs/mina-api.md documents the bodies; internal/mina/chaos what each fault does.

// faultJSON is a fault on the wire. Durations are Go durations ("500ms").
type faultJSON struct {
	Name             string  `json:"name,omitempty"`
	Latency          string  `json:"latency,omitempty"`
	Route            string  `json:"route,omitempty"`
	ErrorRate        float64 `json:"error_rate,omitempty"`
	DBLatency        string  `json:"db_latency,omitempty"`
	DBConnectionLoss bool    `json:"db_connection_loss,omitempty"`
	DBLossEvery      string  `json:"db_loss_every,omitempty"`
	CacheOutage      bool    `json:"cache_outage,omitempty"`
}

// toFault reads a faultJSON, naming the bad field.
func (j faultJSON) toFault() (chaos.Fault, error) {
	f := chaos.Fault{Route: j.Route, ErrorRate: j.ErrorRate, DBConnectionLoss: j.DBConnectionLoss, CacheOutage: j.CacheOutage}
	for _, d := range []struct {
		field, text string
		dst         *time.Duration
	}{{"latency", j.Latency, &f.Latency}, {"db_latency", j.DBLatency, &f.DBLatency}, {"db_loss_every", j.DBLossEvery, &f.DBLossEvery}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil {
			return f, mina.Invalid(d.field, "%q is not a duration such as \"500ms\"", d.text)
		}
		*d.dst = v
	}
	if f == (chaos.Fault{}) {
		return f, mina.Invalid("", "the fault injects nothing: set latency, error_rate, db_latency, db_connection_loss or cache_outage")
	}
	if err := f.Validate(); err != nil {
		return f, mina.Invalid("", "%v", err)
	}
	return f, nil
}

// faultToJSON writes a fault for the wire.
func faultToJSON(name string, f chaos.Fault) faultJSON {
	j := faultJSON{Name: name, Route: f.Route, ErrorRate: f.ErrorRate, DBConnectionLoss: f.DBConnectionLoss, CacheOutage: f.CacheOutage}
	if f.Latency > 0 {
		j.Latency = f.Latency.String()
	}
	if f.DBLatency > 0 {
		j.DBLatency = f.DBLatency.String()
	}
	if f.DBLossEvery > 0 {
		j.DBLossEvery = f.DBLossEvery.String()
	}
	return j
}

// adminRoutes are the fault API's routes, when it is enabled.
func (s *Server) adminRoutes() []route {
	if s.cfg.AdminToken == "" || s.cfg.Chaos == nil {
		return nil
	}
	return []route{
		{"GET", "/admin/faults", s.admin(s.listFaults)},
		{"DELETE", "/admin/faults", s.admin(s.clearFaults)},
		{"PUT", "/admin/faults/{name}", s.admin(s.setFault)},
		{"DELETE", "/admin/faults/{name}", s.admin(s.clearFault)},
	}
}

// admin checks the admin token (in constant time) before h.
func (s *Server) admin(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, err := bearer(r)
		if err == nil && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.AdminToken)) != 1 {
			err = mina.Errorf(mina.EUNAUTHORIZED, "the fault API needs the admin token (mina serve --admin-token)")
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Server) listFaults(w http.ResponseWriter, _ *http.Request) error {
	faults := s.cfg.Chaos.List()
	out := struct {
		Faults []faultJSON `json:"faults"`
	}{Faults: []faultJSON{}}
	for name, f := range faults {
		out.Faults = append(out.Faults, faultToJSON(name, f))
	}
	sort.Slice(out.Faults, func(i, j int) bool { return out.Faults[i].Name < out.Faults[j].Name })
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) setFault(w http.ResponseWriter, r *http.Request) error {
	var j faultJSON
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &j); err != nil {
		return err
	}
	name := r.PathValue("name")
	if j.Name != "" && j.Name != name {
		return mina.Invalid("name", "the body names %q but the path %q", j.Name, name)
	}
	f, err := j.toFault()
	if err != nil {
		return err
	}
	if err := s.cfg.Chaos.Set(name, f); err != nil {
		// A bad name, or a fault this server cannot inject (chaos.ErrUnsupported): the
		// request asks for something impossible, a 400 naming why.
		return mina.Invalid("", "%v", err)
	}
	return writeJSON(w, http.StatusOK, faultToJSON(name, s.cfg.Chaos.List()[name]))
}

func (s *Server) clearFault(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.Chaos.Clear(r.PathValue("name")) {
		return mina.Errorf(mina.ENOTFOUND, "no fault named %q is on", r.PathValue("name"))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) clearFaults(w http.ResponseWriter, _ *http.Request) error {
	s.cfg.Chaos.ClearAll()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chaosFaults wraps next with the run-time faults' latency and errors.
func (s *Server) chaosFaults(next http.Handler) http.Handler {
	if s.cfg.Chaos == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		latency, rate := s.cfg.Chaos.Request(r.URL.Path)
		if latency > 0 {
			w.Header().Add("X-Fault-Injected", "latency")
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if rate > 0 && s.cfg.Rand() < rate {
			w.Header().Add("X-Fault-Injected", "error")
			s.writeError(w, r, mina.Errorf(mina.EUNAVAILABLE, "injected fault: %s answers 503 at rate %g", r.URL.Path, rate))
			return
		}
		next.ServeHTTP(w, r)
	})
}

package api

import (
	"net/http"

	"github.com/ramp-dev/ramp/internal/mina"
)

// maxDays bounds ?days of the analytics endpoints.
const maxDays = 365

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	days, err := queryInt(r.URL.Query(), "days", 7, 1, maxDays)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	if s.cfg.Cached != nil {
		b, hit, err := s.cfg.Cached.DashboardJSON(r.Context(), u.ID, days, now)
		if err != nil {
			return err
		}
		setCache(w, hit)
		writeRaw(w, http.StatusOK, b)
		return nil
	}
	d, err := s.cfg.Analytics.Dashboard(r.Context(), u.ID, days, now)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) trends(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	days, err := queryInt(r.URL.Query(), "days", 30, 1, maxDays)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	if s.cfg.Cached != nil {
		b, hit, err := s.cfg.Cached.TrendsJSON(r.Context(), u.ID, days, now)
		if err != nil {
			return err
		}
		setCache(w, hit)
		writeRaw(w, http.StatusOK, b)
		return nil
	}
	t, err := s.cfg.Analytics.Trends(r.Context(), u.ID, days, now)
	if err != nil {
		return err
	}
	if t.Points == nil {
		t.Points = []mina.TrendPoint{}
	}
	return writeJSON(w, http.StatusOK, t)
}

package api

import (
	"net/http"
	"strconv"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Field limits of meetings.
const (
	maxTitle       = 200
	maxDescription = 10_000
	maxDuration    = 24 * 60
)

// meetingRequest is the body of POST and PUT /api/meetings. Absent fields are nil; integers
// may be sent as JSON numbers or as strings holding one.
type meetingRequest struct {
	Title           *string `json:"title"`
	Description     *string `json:"description"`
	StartsAt        *string `json:"starts_at"`
	DurationMinutes flexInt `json:"duration_minutes"`
}

// validate checks the request; create requires title, starts_at and duration_minutes.
func (m *meetingRequest) validate(create bool) (*mina.MeetingUpdate, error) {
	var err error
	u := &mina.MeetingUpdate{Title: m.Title, Description: m.Description}
	if err := checkText("title", m.Title, create || m.Title != nil, maxTitle); err != nil {
		return nil, err
	}
	if err := checkText("description", m.Description, false, maxDescription); err != nil {
		return nil, err
	}
	if u.StartsAt, err = parseTime("starts_at", m.StartsAt, create); err != nil {
		return nil, err
	}
	if err := checkInt("duration_minutes", m.DurationMinutes, create, 1, maxDuration); err != nil {
		return nil, err
	}
	if m.DurationMinutes.set {
		d := int(m.DurationMinutes.v)
		u.DurationMinutes = &d
	}
	return u, nil
}

func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	p, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	if s.cfg.Cached != nil {
		b, hit, err := s.cfg.Cached.ListMeetingsJSON(r.Context(), u.ID, p)
		if err != nil {
			return err
		}
		setCache(w, hit)
		writeRaw(w, http.StatusOK, b)
		return nil
	}
	l, err := s.cfg.Meetings.ListMeetings(r.Context(), u.ID, p)
	if err != nil {
		return err
	}
	if l.Meetings == nil {
		l.Meetings = []mina.Meeting{}
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if s.cfg.Cached != nil {
		b, hit, err := s.cfg.Cached.MeetingJSON(r.Context(), u.ID, id)
		if err != nil {
			return err
		}
		setCache(w, hit)
		writeRaw(w, http.StatusOK, b)
		return nil
	}
	m, err := s.cfg.Meetings.Meeting(r.Context(), u.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	var req meetingRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	v, err := req.validate(true)
	if err != nil {
		return err
	}
	m := &mina.Meeting{UserID: u.ID, Title: *v.Title, StartsAt: *v.StartsAt, DurationMinutes: *v.DurationMinutes}
	if v.Description != nil {
		m.Description = *v.Description
	}
	if err := s.cfg.Meetings.CreateMeeting(r.Context(), m); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/meetings/"+strconv.FormatInt(m.ID, 10))
	return writeJSON(w, http.StatusCreated, m)
}

func (s *Server) updateMeeting(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req meetingRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	upd, err := req.validate(false)
	if err != nil {
		return err
	}
	m, err := s.cfg.Meetings.UpdateMeeting(r.Context(), u.ID, id, *upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func (s *Server) deleteMeeting(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Meetings.DeleteMeeting(r.Context(), u.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package api

import (
	"math"
	"net/http"
	"strconv"

	"github.com/ramp-dev/ramp/internal/mina"
)

// taskRequest is the body of POST /api/tasks (meeting_id and title required; status defaults
// to pending).
type taskRequest struct {
	MeetingID flexInt `json:"meeting_id"`
	Title     *string `json:"title"`
	Status    *string `json:"status"`
	DueAt     *string `json:"due_at"`
}

// taskUpdateRequest is the body of PUT /api/tasks/{id}: a task does not move between meetings.
type taskUpdateRequest struct {
	Title  *string `json:"title"`
	Status *string `json:"status"`
	DueAt  *string `json:"due_at"`
}

// checkStatus validates a task status field.
func checkStatus(name string, s *string) error {
	if s != nil && !mina.ValidStatus(*s) {
		return mina.Invalid(name, "must be one of pending, in_progress, done; got %q", *s)
	}
	return nil
}

// validate checks an update (and the common fields of a create).
func (t *taskUpdateRequest) validate(titleRequired bool) (*mina.TaskUpdate, error) {
	if err := checkText("title", t.Title, titleRequired || t.Title != nil, maxTitle); err != nil {
		return nil, err
	}
	if err := checkStatus("status", t.Status); err != nil {
		return nil, err
	}
	due, err := parseTime("due_at", t.DueAt, false)
	if err != nil {
		return nil, err
	}
	return &mina.TaskUpdate{Title: t.Title, Status: t.Status, DueAt: due}, nil
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	q := r.URL.Query()
	p, err := page(q)
	if err != nil {
		return err
	}
	f := mina.TaskFilter{Status: q.Get("status"), Page: p}
	if f.Status != "" {
		if err := checkStatus("status", &f.Status); err != nil {
			return err
		}
	}
	if v := q.Get("meeting_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return mina.Invalid("meeting_id", "must be a positive integer, got %q", v)
		}
		f.MeetingID = id
	}
	if s.cfg.Cached != nil {
		b, hit, err := s.cfg.Cached.ListTasksJSON(r.Context(), u.ID, f)
		if err != nil {
			return err
		}
		setCache(w, hit)
		writeRaw(w, http.StatusOK, b)
		return nil
	}
	l, err := s.cfg.Tasks.ListTasks(r.Context(), u.ID, f)
	if err != nil {
		return err
	}
	if l.Tasks == nil {
		l.Tasks = []mina.Task{}
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := s.cfg.Tasks.Task(r.Context(), u.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) createTask(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	var req taskRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if err := checkInt("meeting_id", req.MeetingID, true, 1, math.MaxInt64); err != nil {
		return err
	}
	upd := taskUpdateRequest{Title: req.Title, Status: req.Status, DueAt: req.DueAt}
	v, err := upd.validate(true)
	if err != nil {
		return err
	}
	t := &mina.Task{UserID: u.ID, MeetingID: req.MeetingID.v, Title: *v.Title, Status: mina.StatusPending, DueAt: v.DueAt}
	if v.Status != nil {
		t.Status = *v.Status
	}
	if err := s.cfg.Tasks.CreateTask(r.Context(), t); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/tasks/"+strconv.FormatInt(t.ID, 10))
	return writeJSON(w, http.StatusCreated, t)
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req taskUpdateRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	upd, err := req.validate(false)
	if err != nil {
		return err
	}
	t, err := s.cfg.Tasks.UpdateTask(r.Context(), u.ID, id, *upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Tasks.DeleteTask(r.Context(), u.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

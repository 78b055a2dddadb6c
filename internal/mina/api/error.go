package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ramp-dev/ramp/internal/mina"
)

// codeMethodNotAllowed is the error code of a 405; it is the API's own (no service returns it).
const codeMethodNotAllowed = "method_not_allowed"

// statuses maps every application error code to its HTTP status: the one place where the two
// meet. A code missing here is a 500.
var statuses = map[string]int{
	mina.ECONFLICT:       http.StatusConflict,
	mina.EINTERNAL:       http.StatusInternalServerError,
	mina.EINVALID:        http.StatusBadRequest,
	mina.ENOTFOUND:       http.StatusNotFound,
	mina.EUNAUTHORIZED:   http.StatusUnauthorized,
	mina.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	mina.EUNAVAILABLE:    http.StatusServiceUnavailable,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
}

// ErrorStatus returns the HTTP status of an application error code.
func ErrorStatus(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON of every error response: {"error":{"code":…,"message":…,"field":…}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes one error; Field names the request field at fault, if any.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers err as JSON with its mapped status. Internal errors are logged with the
// request (their text stays out of the response); a request whose client went away is not an
// error of ours and is not logged.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := mina.ErrorCode(err)
	detail := ErrorDetail{Code: code, Message: mina.ErrorMessage(err)}
	var e *mina.Error
	if errors.As(err, &e) {
		detail.Field = e.Field
	}
	if code == mina.EINTERNAL && !errors.Is(err, context.Canceled) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == mina.EUNAVAILABLE {
		// A dependency is down for now (a lost database connection, an injected fault): the
		// client may try again shortly, which is what Retry-After says.
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "1")
		}
		if !errors.Is(err, context.Canceled) && w.Header().Get("X-Fault-Injected") == "" {
			s.log.Warn("request unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	if code == mina.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mina"`)
	}
	b, _ := json.Marshal(ErrorBody{Error: detail}) // cannot fail: strings only
	writeRaw(w, ErrorStatus(code), b)
}

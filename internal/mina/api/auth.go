package api

import (
	"net/http"
	"strings"

	"github.com/ramp-dev/ramp/internal/mina"
)

// apiHandler is a JSON API handler for an authenticated user. It writes its success response
// itself and returns any error for the caller to write.
type apiHandler func(w http.ResponseWriter, r *http.Request, u *mina.User) error

// authed authenticates the request by its bearer token and runs h for the token's user. The
// lookup goes through Config.Users, which app wraps in a short-lived in-process cache.
func (s *Server) authed(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, err := bearer(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		u, err := s.cfg.Users.UserByToken(r.Context(), token)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := h(w, r, u); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", mina.Errorf(mina.EUNAUTHORIZED, "missing Authorization header; send \"Authorization: Bearer TOKEN\"")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", mina.Errorf(mina.EUNAUTHORIZED, "Authorization header must be \"Bearer TOKEN\"")
	}
	return token, nil
}

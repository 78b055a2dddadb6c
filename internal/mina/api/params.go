package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ramp-dev/ramp/internal/mina"
)

// queryInt returns the query parameter name as an integer in [min, max], def when absent.
func queryInt(q url.Values, name string, def, min, max int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, mina.Invalid(name, "must be an integer from %d to %d, got %q", min, max, v)
	}
	return n, nil
}

// page reads ?page (from 1, default 1) and ?per_page (1 to mina.MaxPerPage, default 20).
func page(q url.Values) (mina.Page, error) {
	p, err := queryInt(q, "page", 1, 1, 1_000_000)
	if err != nil {
		return mina.Page{}, err
	}
	pp, err := queryInt(q, "per_page", 20, 1, mina.MaxPerPage)
	if err != nil {
		return mina.Page{}, err
	}
	return mina.Page{Page: p, PerPage: pp}, nil
}

// pathID returns the {id} wildcard as a positive integer.
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, mina.Invalid("id", "must be a positive integer, got %q", v)
	}
	return id, nil
}

// setCache sets X-Cache for a read served through Config.Cached.
func setCache(w http.ResponseWriter, hit bool) {
	if hit {
		w.Header()["X-Cache"] = hitValue
	} else {
		w.Header()["X-Cache"] = missValue
	}
}

// Shared header values, so setting them allocates nothing.
var (
	hitValue  = []string{"HIT"}
	missValue = []string{"MISS"}
)

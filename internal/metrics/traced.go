package metrics

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// MaxTraced is how many traced requests the registry keeps in each list: the slowest, and
// the most recent failed ones.
const MaxTraced = 10

// TracedRequest is one request that carried a trace context (options.tracing), kept so that
// the report can point at its trace: the server's log line and metric exemplar.
type TracedRequest struct {
	TraceID  string        `json:"trace_id"`
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration"`
	Status   int           `json:"status"`
	// ErrorCode is k6's error code, 0 when none.
	ErrorCode int `json:"error_code,omitempty"`
	// Name, Method and URL are the request's tags of those names.
	Name   string `json:"name,omitempty"`
	Method string `json:"method,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Traced are the traced requests a run kept: bounded top-N lists, so that memory does not
// grow with the number of requests. Only requests that carried a trace context take part;
// the others cost nothing here.
type Traced struct {
	// Slowest are the slowest traced requests, slowest first.
	Slowest []TracedRequest `json:"slowest"`
	// Failed are the most recent traced requests that failed (not an expected response),
	// newest first.
	Failed []TracedRequest `json:"failed"`
}

// tracedLists keeps the top-N lists under their own lock, taken only for traced samples.
type tracedLists struct {
	mu      sync.Mutex
	slowest []TracedRequest // unordered; at most MaxTraced
	failed  []TracedRequest // a ring of the last MaxTraced
	next    int
	// floor is the duration (ns) a request must exceed to enter slowest once it is full (0
	// before): an expected response no slower is dropped without the lock or a tag lookup.
	// It only rises, so a stale read merely takes the slow path.
	floor atomic.Int64
}

func (l *tracedLists) add(s *HTTPSample) {
	if f := l.floor.Load(); s.Expected && f > 0 && int64(s.Duration) <= f {
		return
	}
	r := TracedRequest{TraceID: s.TraceID, Time: s.Time, Duration: s.Duration, Status: s.Status, ErrorCode: s.ErrorCode}
	r.Name, _ = s.Tags.Get("name")
	r.Method, _ = s.Tags.Get("method")
	r.URL, _ = s.Tags.Get("url")
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.slowest) < MaxTraced {
		l.slowest = append(l.slowest, r)
	} else if i := l.fastest(); l.slowest[i].Duration < r.Duration {
		l.slowest[i] = r
	}
	if len(l.slowest) == MaxTraced {
		l.floor.Store(int64(l.slowest[l.fastest()].Duration))
	}
	if !s.Expected {
		if len(l.failed) < MaxTraced {
			l.failed = append(l.failed, r)
		} else {
			l.failed[l.next] = r
		}
		l.next = (l.next + 1) % MaxTraced
	}
}

// fastest is the index of the fastest of the slowest.
func (l *tracedLists) fastest() int {
	j := 0
	for i := range l.slowest {
		if l.slowest[i].Duration < l.slowest[j].Duration {
			j = i
		}
	}
	return j
}

func (l *tracedLists) get() Traced {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := Traced{Slowest: slices.Clone(l.slowest), Failed: slices.Clone(l.failed)}
	slices.SortFunc(t.Slowest, func(a, b TracedRequest) int { return cmp.Compare(b.Duration, a.Duration) })
	slices.SortFunc(t.Failed, func(a, b TracedRequest) int { return b.Time.Compare(a.Time) })
	return t
}

// Traced returns the traced requests kept so far.
func (r *Registry) Traced() Traced { return r.traced.get() }

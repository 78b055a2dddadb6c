package monitor

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// DefaultMaxPoints caps each series: an hour of one-second readings before thinning.
const DefaultMaxPoints = 3600

// Runner samples every monitor on its interval in its own goroutine and records bounded
// series.
//
// Bounded memory: a series holds at most MaxPoints points. When it is full, every other
// point is dropped (the first is kept) and from then on only every Stride-th reading is
// kept, Stride doubling at each thinning, so the points stay evenly spaced and cover the
// whole run. Nothing is lost silently: every series also carries the count of readings, their
// minimum and maximum and the last reading, whatever the thinning dropped.
type Runner struct {
	// MaxPoints caps each series; set it before Run. 0 means DefaultMaxPoints; odd
	// numbers are rounded up and the least is 2.
	MaxPoints int

	monitors []Monitor
	now      func() time.Time

	mu     sync.Mutex
	series map[string]*track
	errs   map[string]*MonitorError
	lastOK map[string]time.Time // by monitor: the last reading without error or with readings
}

// Series is one recorded figure. Points are in time order, thinned as Runner describes.
type Series struct {
	Name, Unit string // Name "<monitor>.<series>"
	Points     []Point
	// Stride is how many readings each kept point stands for (1 until the first thinning).
	Stride int
	// Readings counts every reading, kept or not; Min, Max and Last are over all of them.
	Readings int
	Min, Max float64
	Last     Point
}

// Point is one reading of a series.
type Point struct {
	Time  time.Time
	Value float64
}

// MonitorError is the last failure of a monitor, when and how often it failed, and when it
// last read its source successfully (zero if never).
type MonitorError struct {
	Monitor string
	Err     string
	Count   int
	First   time.Time
	Last    time.Time
	LastOK  time.Time
}

// track is the storage of one series.
type track struct {
	s Series
}

// NewRunner makes a Runner over ms; now stamps the readings (nil means time.Now).
func NewRunner(ms []Monitor, now func() time.Time) *Runner {
	if now == nil {
		now = time.Now
	}
	return &Runner{monitors: ms, now: now, series: map[string]*track{}, errs: map[string]*MonitorError{},
		lastOK: map[string]time.Time{}}
}

// Run samples each monitor at once and then on its interval, each in its own goroutine,
// until ctx ends; it returns when every sampler has stopped. Call it once. It does not close
// the monitors: their owner does, after Run returns.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, m := range r.monitors {
		wg.Go(func() { r.loop(ctx, m) })
	}
	wg.Wait()
}

// loop is one monitor's sampler.
func (r *Runner) loop(ctx context.Context, m Monitor) {
	interval, timeout := DefaultInterval, defaultTimeout(DefaultInterval)
	if t, ok := m.(Timing); ok && t.Interval() > 0 {
		interval, timeout = t.Interval(), t.Timeout()
		if timeout <= 0 || timeout >= interval {
			timeout = defaultTimeout(interval)
		}
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for ctx.Err() == nil {
		r.sampleOnce(ctx, m, timeout)
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// sampleOnce takes one reading within timeout and records it.
func (r *Runner) sampleOnce(ctx context.Context, m Monitor, timeout time.Duration) {
	sctx, cancel := context.WithTimeout(ctx, timeout)
	readings, err := m.Sample(sctx)
	timedOut := sctx.Err() == context.DeadlineExceeded
	cancel()
	at := r.now()
	if err != nil && ctx.Err() != nil {
		return // the run ended during the reading: not the source's fault
	}
	if err != nil && timedOut {
		err = fmt.Errorf("no answer within %v: %w", timeout, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rd := range readings {
		r.record(m.Name()+"."+rd.Series, rd.Unit, Point{Time: at, Value: rd.Value})
	}
	if err == nil || len(readings) > 0 {
		r.lastOK[m.Name()] = at
	}
	if err == nil {
		return
	}
	e := r.errs[m.Name()]
	if e == nil {
		e = &MonitorError{Monitor: m.Name(), First: at}
		r.errs[m.Name()] = e
	}
	e.Err, e.Last = err.Error(), at
	e.Count++
}

// record appends p to a series, thinning it when full. The caller holds r.mu.
func (r *Runner) record(name, unit string, p Point) {
	t := r.series[name]
	if t == nil {
		t = &track{s: Series{Name: name, Unit: unit, Stride: 1, Min: math.Inf(1), Max: math.Inf(-1)}}
		r.series[name] = t
	}
	s := &t.s
	i := s.Readings
	s.Readings++
	s.Min, s.Max, s.Last = math.Min(s.Min, p.Value), math.Max(s.Max, p.Value), p
	if i%s.Stride != 0 {
		return
	}
	if len(s.Points) >= r.maxPoints() {
		kept := s.Points[:0]
		for j := 0; j < len(s.Points); j += 2 {
			kept = append(kept, s.Points[j])
		}
		clear(s.Points[len(kept):])
		s.Points = kept
		s.Stride *= 2
		if i%s.Stride != 0 {
			return
		}
	}
	s.Points = append(s.Points, p)
}

// maxPoints is MaxPoints made even and at least 2.
func (r *Runner) maxPoints() int {
	n := r.MaxPoints
	if n <= 0 {
		n = DefaultMaxPoints
	}
	if n < 2 {
		n = 2
	}
	return n + n%2
}

// Series returns a snapshot of every series, sorted by name.
func (r *Runner) Series() []Series {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Series, 0, len(r.series))
	for _, t := range r.series {
		s := t.s
		s.Points = append([]Point(nil), t.s.Points...)
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Errors returns, per monitor that ever failed, its last error, sorted by monitor name.
func (r *Runner) Errors() []MonitorError {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []MonitorError
	for name, e := range r.errs {
		c := *e
		c.LastOK = r.lastOK[name]
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Monitor < out[j].Monitor })
	return out
}

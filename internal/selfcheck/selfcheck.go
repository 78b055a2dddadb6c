// Package selfcheck watches the load generator itself: how late arrival-rate iterations start
// against their schedule, and how much CPU ramp's own process uses. A generator that cannot
// keep its schedule measures itself rather than the target, so a run whose lag p99 exceeds
// MaxLagP99 (with at least MinLate iterations that late) or whose CPU was saturated for more than MaxSaturatedShare of the run is reported
// as "generator overloaded — results not trustworthy", with the figures. No other load tool
// says this; users reading "1,000 RPS handled" must be able to trust that 1,000 were sent.
//
// Lag is recorded into an HdrHistogram (github.com/HdrHistogram/hdrhistogram-go) under a
// mutex: one record per iteration start is cheap next to an HTTP request. CPU is sampled from
// getrusage(2) once per Interval.
package selfcheck

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Defaults for Config.
const (
	DefaultMaxLagP99         = 10 * time.Millisecond
	DefaultMaxSaturatedShare = 0.1
	DefaultInterval          = time.Second
	// DefaultMinLate is how many iterations must have started more than MaxLagP99 late
	// before the lag says the generator is overloaded: in a short run a p99 is the second or
	// third worst start, and two stragglers of a busy host's scheduler are not a generator
	// that cannot keep its schedule.
	DefaultMinLate = 10
	// saturatedAt is the share of the usable cores above which a sample counts as saturated.
	saturatedAt = 0.9
)

// Config sets the limits of a trustworthy run. Zero values take the defaults.
type Config struct {
	MaxLagP99         time.Duration
	MinLate           int64
	MaxSaturatedShare float64
	Interval          time.Duration
	// CPUTime returns the process's CPU time so far; tests inject one. Default getrusage.
	CPUTime func() time.Duration
	// Cores is how many cores the process may use; default runtime.GOMAXPROCS(0).
	Cores int
}

// Monitor records schedule lag and samples CPU use. Its methods are safe for concurrent use.
type Monitor struct {
	cfg Config

	mu        sync.Mutex
	lag       *hdrhistogram.Histogram // microseconds
	late      int64                   // iterations that started more than MaxLagP99 late
	samples   int
	saturated int
	maxCPU    float64 // percent of one core, as top shows it
}

// New returns a Monitor with cfg's zero fields defaulted.
func New(cfg Config) *Monitor {
	if cfg.MaxLagP99 <= 0 {
		cfg.MaxLagP99 = DefaultMaxLagP99
	}
	if cfg.MinLate <= 0 {
		cfg.MinLate = DefaultMinLate
	}
	if cfg.MaxSaturatedShare <= 0 {
		cfg.MaxSaturatedShare = DefaultMaxSaturatedShare
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.CPUTime == nil {
		cfg.CPUTime = processCPUTime
	}
	if cfg.Cores <= 0 {
		cfg.Cores = runtime.GOMAXPROCS(0)
	}
	return &Monitor{cfg: cfg, lag: hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)}
}

// Lag records how late one iteration started against its schedule.
func (m *Monitor) Lag(d time.Duration) {
	if d < 0 {
		d = 0
	}
	us := int64(d / time.Microsecond)
	m.mu.Lock()
	if d > m.cfg.MaxLagP99 {
		m.late++
	}
	if err := m.lag.RecordValue(us); err != nil {
		_ = m.lag.RecordValue(m.lag.HighestTrackableValue())
	}
	m.mu.Unlock()
}

// Run samples CPU use every Interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.cfg.Interval)
	defer t.Stop()
	lastCPU, lastWall := m.cfg.CPUTime(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cpu := m.cfg.CPUTime()
			m.Sample(cpu-lastCPU, now.Sub(lastWall))
			lastCPU, lastWall = cpu, now
		}
	}
}

// Sample records that the process used cpu of CPU time during wall of real time.
func (m *Monitor) Sample(cpu, wall time.Duration) {
	if wall <= 0 {
		return
	}
	percent := 100 * float64(cpu) / float64(wall)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples++
	if percent > m.maxCPU {
		m.maxCPU = percent
	}
	if percent >= saturatedAt*100*float64(m.cfg.Cores) {
		m.saturated++
	}
}

// Report is the self-check's verdict and figures.
type Report struct {
	// Overloaded is true when the results cannot be trusted.
	Overloaded bool
	// Reasons says why, in words, when Overloaded.
	Reasons         []string
	LagP99          time.Duration
	LagMax          time.Duration
	LagSamples      int64
	CPUMaxPercent   float64 // percent of one core
	SaturatedShare  float64 // share of CPU samples at saturation
	Cores           int
	MaxLagP99       time.Duration
	MaxSaturatedPct float64
}

// Report returns the verdict so far.
func (m *Monitor) Report() Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := Report{
		LagSamples:      m.lag.TotalCount(),
		LagP99:          time.Duration(m.lag.ValueAtQuantile(99)) * time.Microsecond,
		LagMax:          time.Duration(m.lag.Max()) * time.Microsecond,
		CPUMaxPercent:   m.maxCPU,
		Cores:           m.cfg.Cores,
		MaxLagP99:       m.cfg.MaxLagP99,
		MaxSaturatedPct: 100 * m.cfg.MaxSaturatedShare,
	}
	if m.samples > 0 {
		r.SaturatedShare = float64(m.saturated) / float64(m.samples)
	}
	if r.LagSamples > 0 && r.LagP99 > m.cfg.MaxLagP99 && m.late >= m.cfg.MinLate {
		r.Overloaded = true
		r.Reasons = append(r.Reasons, "iterations started late: schedule lag p99 "+r.LagP99.Round(time.Microsecond*100).String()+
			" exceeds "+m.cfg.MaxLagP99.String()+" ("+strconv.FormatInt(m.late, 10)+" iterations more than "+m.cfg.MaxLagP99.String()+" late)")
	}
	if m.samples > 0 && r.SaturatedShare > m.cfg.MaxSaturatedShare {
		r.Overloaded = true
		r.Reasons = append(r.Reasons, "ramp's CPU was saturated for "+percent(r.SaturatedShare)+" of the run (limit "+
			percent(m.cfg.MaxSaturatedShare)+")")
	}
	return r
}

func percent(f float64) string {
	return trimZeros(100*f) + "%"
}

// processCPUTime is user plus system CPU time of this process.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package chaos_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/chaos"
)

type cacheSwitch struct{ down atomic.Bool }

func (c *cacheSwitch) SetDown(d bool) { c.down.Store(d) }

type killer struct{ n atomic.Int64 }

func (k *killer) TerminateConnections(context.Context) (int, error) { k.n.Add(1); return 1, nil }

func TestFaultsCombine(t *testing.T) {
	t.Parallel()
	cs, k := &cacheSwitch{}, &killer{}
	fs := chaos.New(chaos.Options{Cache: cs, Conns: k})
	defer fs.Close()
	must := func(name string, f chaos.Fault) {
		t.Helper()
		if err := fs.Set(name, f); err != nil {
			t.Fatal(err)
		}
	}
	must("a", chaos.Fault{Latency: 100 * time.Millisecond, ErrorRate: 0.2, Route: "/api/meetings"})
	must("b", chaos.Fault{Latency: 50 * time.Millisecond, ErrorRate: 0.5, Route: "/api/*"})
	must("c", chaos.Fault{DBLatency: 30 * time.Millisecond, CacheOutage: true})
	for _, tt := range []struct {
		path    string
		latency time.Duration
		rate    float64
	}{
		{"/api/meetings", 150 * time.Millisecond, 0.5}, // a and b (the glob matches one segment): latencies add up, the largest rate wins
		{"/api/tasks", 50 * time.Millisecond, 0.5},     // b only
		{"/health", 0, 0},       // neither
		{"/metrics", 0, 0},      // never faulted
		{"/admin/faults", 0, 0}, // never faulted
	} {
		l, r := fs.Request(tt.path)
		if l != tt.latency || r != tt.rate {
			t.Errorf("%s: latency %v rate %v, want %v %v", tt.path, l, r, tt.latency, tt.rate)
		}
	}
	if fs.DBLatency() != 30*time.Millisecond || !cs.down.Load() {
		t.Fatalf("db latency %v, cache down %v", fs.DBLatency(), cs.down.Load())
	}
	fs.Clear("c")
	if cs.down.Load() || fs.DBLatency() != 0 {
		t.Fatal("clearing the outage fault left the cache down or the database slow")
	}
	must("loss", chaos.Fault{DBConnectionLoss: true, DBLossEvery: 20 * time.Millisecond})
	time.Sleep(100 * time.Millisecond)
	fs.ClearAll()
	n := k.n.Load()
	if n < 3 {
		t.Fatalf("sessions terminated %d times in 100ms every 20ms", n)
	}
	time.Sleep(60 * time.Millisecond)
	if k.n.Load() != n {
		t.Fatal("sessions still terminated after the fault was cleared")
	}
}

func TestFaultsRefuse(t *testing.T) {
	t.Parallel()
	fs := chaos.New(chaos.Options{}) // no cache switch, no sessions (SQLite)
	defer fs.Close()
	for _, tt := range []struct {
		name        string
		f           chaos.Fault
		unsupported bool
	}{
		{"negative latency", chaos.Fault{Latency: -1}, false},
		{"rate above 1", chaos.Fault{ErrorRate: 1.5}, false},
		{"bad glob", chaos.Fault{Latency: 1, Route: "/api/["}, false},
		{"connection loss without sessions", chaos.Fault{DBConnectionLoss: true}, true},
		{"cache outage without cache", chaos.Fault{CacheOutage: true}, true},
	} {
		err := fs.Set("x", tt.f)
		if err == nil || errors.Is(err, chaos.ErrUnsupported) != tt.unsupported {
			t.Errorf("%s: err %v (unsupported %v)", tt.name, err, tt.unsupported)
		}
	}
	if len(fs.List()) != 0 {
		t.Fatalf("a refused fault is on: %v", fs.List())
	}
}

// Setting or clearing another fault leaves a running outage and connection loss as they are:
// the cache is told only of changes, and the loss loop is not restarted (which would end the
// sessions once more, off the timeline).
func TestFaultsOtherFaultsLeaveLossAndOutage(t *testing.T) {
	t.Parallel()
	cs, k := &countingSwitch{}, &killer{}
	fs := chaos.New(chaos.Options{Cache: cs, Conns: k})
	defer fs.Close()
	if err := fs.Set("loss", chaos.Fault{DBConnectionLoss: true, DBLossEvery: time.Hour, CacheOutage: true}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for k.n.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for i := range 5 {
		if err := fs.Set("slow", chaos.Fault{Latency: time.Duration(i+1) * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		fs.Clear("slow")
	}
	time.Sleep(20 * time.Millisecond)
	if n := k.n.Load(); n != 1 {
		t.Errorf("sessions terminated %d times, want once (the loop's start; its next turn is an hour away)", n)
	}
	if n := cs.calls.Load(); n != 1 {
		t.Errorf("the cache switch was set %d times, want once", n)
	}
}

type countingSwitch struct{ calls atomic.Int64 }

func (c *countingSwitch) SetDown(bool) { c.calls.Add(1) }

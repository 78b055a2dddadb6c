package metrics

import (
	"fmt"
	"testing"
	"time"
)

// The registry keeps the MaxTraced slowest traced requests and the last MaxTraced failed
// ones, whatever order they come in; untraced requests enter neither list.
func TestTracedLists(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	reg, err := NewRegistry(Config{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	rec := reg.Recorder()
	tags := NewTags(map[string]string{"name": "list", "method": "GET", "url": "http://127.0.0.1/x"})
	// Durations 1..100 ms in a scrambled order; every seventh fails; an untraced 1 s request.
	for i := range 100 {
		ms := (i*37)%100 + 1
		s := &HTTPSample{Time: t0.Add(time.Duration(i) * time.Millisecond), Tags: tags, Status: 200, Expected: true,
			Duration: time.Duration(ms) * time.Millisecond, TraceID: fmt.Sprintf("%032x", i)}
		if i%7 == 0 {
			s.Status, s.Expected = 500, false
		}
		rec.HTTP(s)
	}
	rec.HTTP(&HTTPSample{Time: t0, Tags: tags, Status: 200, Expected: true, Duration: time.Second})
	rec.Flush()
	tr := reg.Traced()
	if len(tr.Slowest) != MaxTraced {
		t.Fatalf("%d slowest, want %d", len(tr.Slowest), MaxTraced)
	}
	for i, r := range tr.Slowest {
		if want := time.Duration(100-i) * time.Millisecond; r.Duration != want || r.Name != "list" || r.URL == "" {
			t.Errorf("slowest[%d] = %+v, want %v (the untraced 1 s request is not one)", i, r, want)
		}
	}
	if len(tr.Failed) != MaxTraced {
		t.Fatalf("%d failed, want %d", len(tr.Failed), MaxTraced)
	}
	for k, r := range tr.Failed {
		if want := fmt.Sprintf("%032x", 98-7*k); r.TraceID != want || r.Status != 500 {
			t.Errorf("failed[%d] = %s (%d), want %s, newest first", k, r.TraceID, r.Status, want)
		}
	}
}

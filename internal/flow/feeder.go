package flow

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/ramp-dev/ramp/internal/datafile"
	"github.com/ramp-dev/ramp/internal/plan"
)

// feeder is one data file, loaded once and read by every VU.
//
// Modes: sequential — each iteration that reads the feeder takes the next row, across all
// VUs, wrapping at the end; random — each iteration takes a uniformly random row;
// unique-per-vu — VU n reads row n-1 for its whole life (setup and teardown read row 0).
// A row is taken on the iteration's first reference to the feeder, so iterations that never
// read it consume no row.
type feeder struct {
	name    string
	mode    plan.FeederMode
	rows    []map[string]any
	columns map[string]bool
	next    atomic.Uint64 // sequential: the next row to hand out
}

// loadFeeder reads f.Path (see package datafile for the formats).
func loadFeeder(f plan.Feeder) (*feeder, error) {
	switch f.Mode {
	case plan.FeedSequential, plan.FeedRandom, plan.FeedUniqueVU:
	default:
		return nil, fmt.Errorf("data %s: unknown mode %q (use sequential, random or unique-per-vu)", f.Name, f.Mode)
	}
	rows, columns, err := datafile.Read(f.Path)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", f.Name, err)
	}
	fd := &feeder{name: f.Name, mode: f.Mode, rows: rows, columns: map[string]bool{}}
	for _, c := range columns {
		fd.columns[c] = true
	}
	return fd, nil
}

// columnList names the feeder's columns, for messages.
func (f *feeder) columnList() string {
	return strings.Join(sortedKeys(f.columns), ", ")
}

// pick returns the row index an iteration of VU id reads, drawing with draw for random mode.
func (f *feeder) pick(id int, draw func(n int) int) int {
	switch f.mode {
	case plan.FeedSequential:
		return int((f.next.Add(1) - 1) % uint64(len(f.rows)))
	case plan.FeedRandom:
		return draw(len(f.rows))
	}
	return max(id-1, 0) // unique-per-vu; NewVU checked the bound
}

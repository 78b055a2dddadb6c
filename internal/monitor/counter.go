package monitor

import "time"

// counter follows a cumulative counter of the source (deadlocks, keyspace hits, a Prometheus
// counter) between readings:
//
//	increase since start = Σ over readings of Δ, where Δ = v − prev, or v when v < prev
//	rate                 = Δ / (t − prevT) per second, from the second reading on
//
// A value lower than the previous one means the source restarted or its statistics were
// reset; as in Prometheus's rate(), the new value is then taken as the whole increase.
type counter struct {
	seen     bool
	prev     float64
	prevT    time.Time
	increase float64 // since the first reading
}

// observe records v at t and returns the increase since the previous reading and the rate;
// ok is false at the first reading, which only sets the baseline, and when t did not advance.
func (c *counter) observe(v float64, t time.Time) (delta, rate float64, ok bool) {
	if !c.seen {
		c.seen, c.prev, c.prevT = true, v, t
		return 0, 0, false
	}
	delta = v - c.prev
	if v < c.prev {
		delta = v
	}
	c.increase += delta
	dt := t.Sub(c.prevT).Seconds()
	c.prev, c.prevT = v, t
	if dt <= 0 {
		return delta, 0, false
	}
	return delta, delta / dt, true
}

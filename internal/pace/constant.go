package pace

import (
	"fmt"
	"time"
)

// Constant is the schedule of k6's constant-arrival-rate executor: Rate iterations per TimeUnit
// for Duration, the first at offset 0.
//
//	At(n)   = ⌊n·TimeUnit / Rate⌋                     for n < Total
//	Total   = ⌈Duration·Rate / TimeUnit⌉              (offsets < Duration)
//	Due(e)  = min(Total, ⌈(e+1ns)·Rate / TimeUnit⌉)   for e >= 0
//
// k6 multiplies n by a period already truncated to the nanosecond (TimeUnit/Rate), which drifts
// by up to a nanosecond per iteration (3.6 ms an hour at 3,000/s); Constant computes every
// offset from n directly with 128-bit products, so it never drifts.
type Constant struct {
	rate     int64
	timeUnit time.Duration
	duration time.Duration
	total    int64
}

var _ Pacer = (*Constant)(nil)

// NewConstant returns the schedule of rate iterations per timeUnit for duration. Every argument
// must be positive.
func NewConstant(rate int64, timeUnit, duration time.Duration) (*Constant, error) {
	switch {
	case rate <= 0:
		return nil, fmt.Errorf("pace: rate %d: must be positive", rate)
	case timeUnit <= 0:
		return nil, fmt.Errorf("pace: timeUnit %s: must be positive", timeUnit)
	case duration <= 0:
		return nil, fmt.Errorf("pace: duration %s: must be positive", duration)
	}
	return &Constant{
		rate:     rate,
		timeUnit: timeUnit,
		duration: duration,
		total:    mulDivCeil(int64(duration), rate, int64(timeUnit)),
	}, nil
}

// Pace implements Pacer.
func (c *Constant) Pace(elapsed time.Duration, started int64) (time.Duration, bool) {
	return pace(c, elapsed, started)
}

// At implements Pacer.
func (c *Constant) At(n int64) (time.Duration, bool) {
	if n < 0 || n >= c.total {
		return 0, false
	}
	return time.Duration(mulDiv(n, int64(c.timeUnit), c.rate)), true
}

// Due implements Pacer.
func (c *Constant) Due(elapsed time.Duration) int64 {
	if elapsed < 0 {
		return 0
	}
	return min(c.total, mulDivCeil(int64(elapsed)+1, c.rate, int64(c.timeUnit)))
}

// Total implements Pacer.
func (c *Constant) Total() int64 { return c.total }

// Rate implements Pacer.
func (c *Constant) Rate(elapsed time.Duration) float64 {
	if elapsed < 0 || elapsed >= c.duration {
		return 0
	}
	return float64(c.rate) * float64(time.Second) / float64(c.timeUnit)
}

// Duration implements Pacer.
func (c *Constant) Duration() time.Duration { return c.duration }

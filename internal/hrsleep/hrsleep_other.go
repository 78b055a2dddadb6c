//go:build !linux

package hrsleep

import "time"

// sleep waits d on the runtime's timer: no timerfd here.
func (s *Sleeper) sleep(d time.Duration) { time.Sleep(d) }

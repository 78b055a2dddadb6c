//go:build linux

package hrsleep

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// keep bounds the free list: as many timerfds as goroutines wait at once in their last two
// milliseconds (a rate of 50,000/s has about 100 of them); more are made and closed.
const keep = 256

// sleep waits d on a timerfd, or on the runtime's timer when no timerfd can be had.
func (s *Sleeper) sleep(d time.Duration) {
	f := s.get()
	if f == nil {
		time.Sleep(d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	if err := unix.TimerfdSettime(int(f.Fd()), 0, &spec, nil); err != nil {
		_ = f.Close()
		time.Sleep(d)
		return
	}
	var buf [8]byte // the expiry count
	if _, err := f.Read(buf[:]); err != nil {
		_ = f.Close()
		time.Sleep(d) // a failed read must not shorten the wait
		return
	}
	s.put(f)
}

// get takes an idle timerfd off the free list or makes one; nil when none can be made.
func (s *Sleeper) get() *os.File {
	s.mu.Lock()
	if k := len(s.free); k > 0 {
		f := s.free[k-1]
		s.free = s.free[:k-1]
		s.mu.Unlock()
		return f
	}
	s.mu.Unlock()
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(fd), "timerfd") // non-blocking: registered with the poller
}

// put returns an expired (unarmed) timerfd to the free list.
func (s *Sleeper) put(f *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.free) >= keep {
		_ = f.Close()
		return
	}
	s.free = append(s.free, f)
}

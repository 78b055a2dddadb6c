package executor

import "testing"

// BenchmarkIdlePool compares two ways to keep the idle workers of an arrival-rate executor:
// the mutex-guarded stack it uses (last in, first out: the warmest VU first) and a buffered
// channel (first in, first out). Each op takes one idle worker and puts it back, from all
// procs at once, as the scheduler and the workers do.
func BenchmarkIdlePool(b *testing.B) {
	const workers = 64
	b.Run("mutex-stack", func(b *testing.B) {
		a := &arrival{}
		for range workers {
			a.idle = append(a.idle, &worker{})
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if wk := a.popIdle(); wk != nil {
					a.mu.Lock()
					a.idle = append(a.idle, wk)
					a.mu.Unlock()
				}
			}
		})
	})
	b.Run("channel", func(b *testing.B) {
		idle := make(chan *worker, workers)
		for range workers {
			idle <- &worker{}
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				select {
				case wk := <-idle:
					idle <- wk
				default:
				}
			}
		})
	})
}

package pace_test

import (
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/pace"
)

// A ramp from 0 to 10 iterations per second over 10s: the area under the rate is t²/2, so
// iteration n is due at √(2(n+1)) seconds.
func ExampleRamping() {
	p, err := pace.NewRamping(0, time.Second, []pace.Stage{{Duration: 10 * time.Second, Target: 10}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for n := range int64(4) {
		at, _ := p.At(n)
		fmt.Println(n, at.Round(time.Millisecond))
	}
	fmt.Println("total", p.Total(), "due by 5s:", p.Due(5*time.Second))
	// Output:
	// 0 1.414s
	// 1 2s
	// 2 2.449s
	// 3 2.828s
	// total 49 due by 5s: 12
}

// The seed's ramp of 10 → 50 VUs over 2 minutes, as k6 moves it: one VU every 3 seconds.
func ExampleRampingVUs() {
	r, err := pace.NewRampingVUs(10, []pace.Stage{{Duration: 2 * time.Minute, Target: 50}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range []time.Duration{0, 2 * time.Second, 3 * time.Second, time.Minute, 2 * time.Minute} {
		fmt.Println(t, r.At(t))
	}
	// Output:
	// 0s 10
	// 2s 10
	// 3s 11
	// 1m0s 30
	// 2m0s 50
}

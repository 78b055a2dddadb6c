package executor_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/segment"
)

// The sequences the segment tests split scenarios by: four equal segments, and an uneven
// 1/3 + 1/6 + 1/2.
var testSequences = []string{"0,1/4,2/4,3/4,1", "0,1/3,1/2,1"}

// ran is what one run of a scenario (or of one segment's share) did.
type ran struct {
	iterations, dropped int64
	made                int
	numbers             []int64                 // Iteration.Number of every iteration run
	intended            map[int64]time.Duration // arrival rate: Number → intended offset
}

// runShare runs sc's share for seg in a bubble of its own, with VUs whose iterations last
// took, and returns what ran, its times relative to the start of Run.
func runShare(t *testing.T, sc plan.Scenario, seg segment.Segment, took time.Duration) ran {
	t.Helper()
	out := ran{intended: map[int64]time.Duration{}}
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{took: constantTook(took)}
		obs := &recorder{}
		e := mustNew(t, sc, src, obs, executor.Options{Segment: seg})
		t0 := time.Now()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("%s: Run: %v", seg, err)
		}
		for _, r := range src.Runs() {
			if r.interrupted {
				continue
			}
			out.numbers = append(out.numbers, r.it.Number)
			if !r.it.Intended.IsZero() {
				out.intended[r.it.Number] = r.it.Intended.Sub(t0)
			}
		}
		p := e.Progress()
		out.iterations, out.dropped, out.made = p.Iterations, p.Dropped, src.Made()
		if int64(obs.Dropped()) != p.Dropped {
			t.Errorf("%s: the observer heard %d dropped, Progress says %d", seg, obs.Dropped(), p.Dropped)
		}
		if !p.Done {
			t.Errorf("%s: Progress not done after Run", seg)
		}
	})
	return out
}

// Every executor under the segments of a sequence: the segments' iterations and dropped
// iterations add up to the whole run's exactly, their iteration numbers never collide, and
// an arrival-rate segment runs its iterations at the whole schedule's intended times.
func TestSegmentsAddUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sc   plan.Scenario
		took time.Duration
		// sameNumbers: the segments' numbers are exactly the whole run's (not only distinct).
		sameNumbers bool
	}{
		// 10 VUs × 4 iterations of 300ms in 1s.
		{"constant-vus", plan.Scenario{Executor: plan.ConstantVUs, VUs: 10, Duration: time.Second, GracefulStop: time.Second},
			300 * time.Millisecond, false},
		// 2 VUs: two of four segments own none and run nothing.
		{"constant-vus, fewer VUs than segments", plan.Scenario{Executor: plan.ConstantVUs, VUs: 2, Duration: time.Second},
			300 * time.Millisecond, false},
		// Up, hold, down, a jump, down to 0 with a short gracefulRampDown that cuts
		// iterations: the segments follow the whole's count at every instant.
		{"ramping-vus", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 2, GracefulRampDown: 200 * time.Millisecond,
			GracefulStop: time.Second, Stages: []plan.Stage{
				{Duration: time.Second, Target: 10}, {Duration: time.Second, Target: 10}, {Duration: time.Second, Target: 3},
				{Duration: 0, Target: 7}, {Duration: 500 * time.Millisecond, Target: 0}}},
			150 * time.Millisecond, false},
		// 7 VUs × 3 iterations each (iterations per VU are not scaled).
		{"per-vu-iterations", plan.Scenario{Executor: plan.PerVUIterations, VUs: 7, Iterations: 3, MaxDuration: time.Minute},
			100 * time.Millisecond, true},
		// 23 iterations shared by 5 VUs: each segment's follow its VUs.
		{"shared-iterations", plan.Scenario{Executor: plan.SharedIterations, VUs: 5, Iterations: 23, MaxDuration: time.Minute},
			100 * time.Millisecond, true},
		// One VU: only its segment runs, all 4 iterations.
		{"shared-iterations, one VU", plan.Scenario{Executor: plan.SharedIterations, VUs: 1, Iterations: 4, MaxDuration: time.Minute},
			100 * time.Millisecond, true},
		// 50/s for 2s: 100 iterations, none dropped.
		{"constant-arrival-rate", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 50, TimeUnit: time.Second,
			Duration: 2 * time.Second, PreAllocatedVUs: 4, MaxVUs: 10, GracefulStop: time.Second},
			30 * time.Millisecond, true},
		// 0 → 60/s → 60/s → 0 over 3s.
		{"ramping-arrival-rate", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second,
			Stages:          []plan.Stage{{Duration: time.Second, Target: 60}, {Duration: time.Second, Target: 60}, {Duration: time.Second, Target: 0}},
			PreAllocatedVUs: 5, MaxVUs: 5, GracefulStop: time.Second},
			20 * time.Millisecond, true},
		// Two iterations in all: some segments own none of the schedule and run nothing.
		{"constant-arrival-rate, fewer iterations than segments", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 2,
			TimeUnit: time.Second, Duration: time.Second, PreAllocatedVUs: 1, MaxVUs: 1},
			10 * time.Millisecond, true},
		// 100/s of 1s iterations on 10 VUs: 10 run, 90 dropped; each segment drops only its own.
		{"constant-arrival-rate, dropping", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 100,
			TimeUnit: time.Second, Duration: time.Second, PreAllocatedVUs: 10, MaxVUs: 10, GracefulStop: time.Second},
			time.Second, false},
	}
	for _, tt := range tests {
		for _, seqText := range testSequences {
			t.Run(tt.name+"/"+seqText, func(t *testing.T) {
				t.Parallel()
				sc := tt.sc
				sc.Name = "s"
				whole := runShare(t, sc, segment.Whole, tt.took)
				seq, err := segment.ParseSequence(seqText)
				if err != nil {
					t.Fatal(err)
				}
				var sum ran
				var intended []time.Duration // every segment's intended times
				idle := 0
				for _, seg := range seq.Segments() {
					part := runShare(t, sc, seg, tt.took)
					sum.iterations += part.iterations
					sum.dropped += part.dropped
					sum.made += part.made
					sum.numbers = append(sum.numbers, part.numbers...)
					if part.iterations+part.dropped == 0 {
						idle++
						if part.made != 0 {
							t.Errorf("%s owns nothing but made %d VUs", seg, part.made)
						}
					}
					for n, at := range part.intended {
						if want, ok := whole.intended[n]; ok && at != want {
							t.Errorf("%s: iteration %d intended at %v, the whole run's at %v", seg, n, at, want)
						}
						intended = append(intended, at)
					}
				}
				if sum.iterations != whole.iterations || sum.dropped != whole.dropped {
					t.Errorf("segments ran %d and dropped %d; the whole ran %d and dropped %d",
						sum.iterations, sum.dropped, whole.iterations, whole.dropped)
				}
				slices.Sort(sum.numbers)
				if len(slices.Compact(slices.Clone(sum.numbers))) != len(sum.numbers) {
					t.Errorf("iteration numbers collide across segments: %v", sum.numbers)
				}
				if tt.sameNumbers {
					slices.Sort(whole.numbers)
					if !slices.Equal(sum.numbers, whole.numbers) {
						t.Errorf("segments' iteration numbers %v, want the whole run's %v", sum.numbers, whole.numbers)
					}
				}
				if len(whole.intended) > 0 && tt.sameNumbers {
					// Nothing dropped: the segments' intended times interleave to the whole schedule.
					var want []time.Duration
					for _, at := range whole.intended {
						want = append(want, at)
					}
					slices.Sort(intended)
					slices.Sort(want)
					if !slices.Equal(intended, want) {
						t.Errorf("segments' intended times %v\ndo not interleave to the whole's %v", intended, want)
					}
				}
				t.Logf("whole: %d iterations, %d dropped, %d VUs; segments: %d VUs, %d own nothing",
					whole.iterations, whole.dropped, whole.made, sum.made, idle)
			})
		}
	}
}

// An arrival-rate segment's iterations are spread through the run as the whole's are: in
// every 100ms of a constant 200/s, a quarter owns 5 of the 20 iterations, not a burst of
// them.
func TestSegmentArrivalsSpreadEvenly(t *testing.T) {
	t.Parallel()
	sc := plan.Scenario{Name: "car", Executor: plan.ConstantArrivalRate, Rate: 200, TimeUnit: time.Second,
		Duration: time.Second, PreAllocatedVUs: 2, MaxVUs: 2}
	for _, seqText := range testSequences {
		seq, err := segment.ParseSequence(seqText)
		if err != nil {
			t.Fatal(err)
		}
		for _, seg := range seq.Segments() {
			part := runShare(t, sc, seg, time.Millisecond)
			per := make([]int, 10)
			for _, at := range part.intended {
				per[at/(100*time.Millisecond)]++
			}
			want := 20 * seg.Length()
			for i, n := range per {
				if float64(n) <= want-2 || float64(n) >= want+2 {
					t.Errorf("%s: %d iterations in the %d-th 100ms, want within 2 of %v (all: %v)", seg, n, i, want, per)
				}
			}
		}
	}
}

// A segment that owns nothing of a scenario runs nothing, makes no VU, fails nothing, and
// returns at once.
func TestSegmentOwningNothing(t *testing.T) {
	t.Parallel()
	last, err := segment.Nth(4, 4)
	if err != nil {
		t.Fatal(err)
	}
	scenarios := []plan.Scenario{
		{Name: "cv", Executor: plan.ConstantVUs, VUs: 3, Duration: time.Second, StartTime: time.Minute},
		{Name: "rv", Executor: plan.RampingVUs, Stages: []plan.Stage{{Duration: time.Second, Target: 3}}},
		{Name: "pvi", Executor: plan.PerVUIterations, VUs: 1, Iterations: 10},
		{Name: "si", Executor: plan.SharedIterations, VUs: 2, Iterations: 10},
		{Name: "car", Executor: plan.ConstantArrivalRate, Rate: 3, Duration: time.Second, PreAllocatedVUs: 5},
		{Name: "rar", Executor: plan.RampingArrivalRate, Stages: []plan.Stage{{Duration: 2 * time.Second, Target: 2}}, MaxVUs: 5},
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			if share, owns := executor.Share(sc, last); owns {
				t.Fatalf("Share(%s) = %+v, owns something; the test wants a scenario it owns nothing of", last, share)
			}
			synctest.Test(t, func(t *testing.T) {
				src := &fakeSource{took: constantTook(time.Millisecond)}
				e := mustNew(t, sc, src, nil, executor.Options{Segment: last})
				t0 := time.Now()
				if err := e.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}
				if d := time.Since(t0); d != 0 || src.Made() != 0 || len(src.Runs()) != 0 {
					t.Errorf("Run took %v, made %d VUs, ran %d iterations; want none of it", d, src.Made(), len(src.Runs()))
				}
				if p := e.Progress(); !p.Done || p.Iterations != 0 || p.Dropped != 0 {
					t.Errorf("Progress = %+v, want done with nothing run or dropped", p)
				}
			})
		})
	}
}

// Every share of a valid scenario validates, and its VU counts and iteration totals add up
// to the whole's over every sequence of 1…16 equal segments and a few uneven ones.
func TestShareValidatesAndAddsUp(t *testing.T) {
	t.Parallel()
	var seqs []segment.Sequence
	for n := 1; n <= 16; n++ {
		s, err := segment.Equal(n)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	for _, text := range []string{"0,1/3,1/2,1", "0,0.1,0.35,0.9,1", "0,1/7,2/5,1/2,5/6,1"} {
		s, err := segment.ParseSequence(text)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	var scenarios []plan.Scenario
	for _, vus := range []int{1, 2, 3, 5, 16, 17, 100} {
		scenarios = append(scenarios,
			plan.Scenario{Executor: plan.ConstantVUs, VUs: vus, Duration: time.Second},
			plan.Scenario{Executor: plan.PerVUIterations, VUs: vus, Iterations: 3},
			plan.Scenario{Executor: plan.SharedIterations, VUs: vus, Iterations: int64(vus)},
			plan.Scenario{Executor: plan.SharedIterations, VUs: vus, Iterations: int64(vus)*7 + 3},
			plan.Scenario{Executor: plan.RampingVUs, StartVUs: vus / 2, Stages: []plan.Stage{
				{Duration: time.Second, Target: int64(vus)}, {Duration: time.Second, Target: 0}}},
		)
		for _, pre := range []int{0, 1, vus} {
			scenarios = append(scenarios,
				plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: int64(vus), Duration: time.Second, PreAllocatedVUs: pre, MaxVUs: vus},
				plan.Scenario{Executor: plan.RampingArrivalRate, StartRate: 1, Stages: []plan.Stage{{Duration: 3 * time.Second, Target: int64(vus)}},
					PreAllocatedVUs: pre, MaxVUs: max(pre, 2)},
			)
		}
	}
	for i, sc := range scenarios {
		sc.Name = fmt.Sprintf("%s#%d", sc.Executor, i)
		if err := executor.Validate(executor.Normalize(sc)); err != nil {
			t.Fatalf("%s is not valid to begin with: %v", sc.Name, err)
		}
		for _, seq := range seqs {
			var vus, iterations, start int64
			targets := make([]int64, len(sc.Stages))
			for _, seg := range seq.Segments() {
				share, owns := executor.Share(sc, seg)
				if !owns {
					if share.VUs != 0 && sc.Executor != plan.ConstantArrivalRate && sc.Executor != plan.RampingArrivalRate {
						t.Errorf("%s, %s: owns nothing but has %d VUs", sc.Name, seg, share.VUs)
					}
					continue
				}
				if err := executor.Validate(share); err != nil {
					t.Errorf("%s, segment %s of %s: the share %+v does not validate: %v", sc.Name, seg, seq, share, err)
				}
				if !slices.EqualFunc(share.Stages, sc.Stages, func(a, b plan.Stage) bool { return a.Duration == b.Duration }) ||
					share.Duration != sc.Duration || share.StartTime != sc.StartTime {
					t.Errorf("%s, %s: durations changed: %+v", sc.Name, seg, share)
				}
				vus += int64(share.VUs)
				iterations += share.Iterations
				start += int64(share.StartVUs)
				for j, st := range share.Stages {
					targets[j] += st.Target
				}
			}
			switch sc.Executor {
			case plan.ConstantVUs, plan.PerVUIterations, plan.SharedIterations:
				if vus != int64(sc.VUs) {
					t.Errorf("%s over %s: VUs add up to %d, want %d", sc.Name, seq, vus, sc.VUs)
				}
			case plan.RampingVUs:
				if start != int64(sc.StartVUs) || targets[0] != sc.Stages[0].Target || targets[1] != sc.Stages[1].Target {
					t.Errorf("%s over %s: startVUs add up to %d, targets to %v; want %d, %v", sc.Name, seq, start, targets, sc.StartVUs, sc.Stages)
				}
			}
			if sc.Executor == plan.SharedIterations && iterations != sc.Iterations {
				t.Errorf("%s over %s: iterations add up to %d, want %d", sc.Name, seq, iterations, sc.Iterations)
			}
		}
	}
}

// The arrival-rate schedules of every sequence of 1…16 segments, equal and uneven, add up
// to the whole schedule: each global iteration in exactly one segment at its own offset,
// and the iterations due by any offset summing to the whole's.
func TestStripedSchedulesAddUp(t *testing.T) {
	t.Parallel()
	var seqs []segment.Sequence
	r := rand.New(rand.NewPCG(7, 8))
	for n := 1; n <= 16; n++ {
		s, err := segment.Equal(n)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
		// An uneven sequence of n segments: n−1 distinct cuts k/d.
		d := int64(n + r.IntN(200))
		cuts := map[int64]bool{}
		for int64(len(cuts)) < int64(n-1) {
			cuts[1+r.Int64N(d-1)] = true
		}
		keys := []int64{0, d}
		for k := range cuts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		text := ""
		for i, k := range keys {
			if i > 0 {
				text += ","
			}
			text += fmt.Sprintf("%d/%d", k, d)
		}
		if s, err = segment.ParseSequence(text); err != nil {
			t.Fatalf("ParseSequence(%s): %v", text, err)
		}
		seqs = append(seqs, s)
	}
	constant, err := pace.NewConstant(37, time.Second, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ramping, err := pace.NewRamping(5, time.Second, []pace.Stage{{Duration: 2 * time.Second, Target: 80},
		{Duration: time.Second, Target: 80}, {Duration: 2 * time.Second, Target: 0}})
	if err != nil {
		t.Fatal(err)
	}
	checkStripes(t, plan.ConstantArrivalRate, constant, seqs)
	checkStripes(t, plan.RampingArrivalRate, ramping, seqs)
}

// checkStripes checks that the segments' stripes of p add up to p over every sequence.
func checkStripes(t *testing.T, name string, p pace.Pacer, seqs []segment.Sequence) {
	t.Helper()
	for _, seq := range seqs {
		owner := make([]int, p.Total())
		var total int64
		for _, seg := range seq.Segments() {
			sp := pace.Striped(p, seg)
			total += sp.Total()
			for m := range sp.Total() {
				g := seg.Global(m)
				at, _ := sp.At(m)
				want, _ := p.At(g)
				if at != want {
					t.Fatalf("%s, %s of %s: iteration %d (global %d) at %v, want %v", name, seg, seq, m, g, at, want)
				}
				owner[g]++
			}
		}
		if total != p.Total() {
			t.Fatalf("%s over %s: %d iterations in all, want %d", name, seq, total, p.Total())
		}
		for g, n := range owner {
			if n != 1 {
				t.Fatalf("%s over %s: global iteration %d in %d segments", name, seq, g, n)
			}
		}
		for e := time.Duration(0); e <= p.Duration(); e += 13 * time.Millisecond {
			var due int64
			for _, seg := range seq.Segments() {
				due += pace.Striped(p, seg).Due(e)
			}
			if due != p.Due(e) {
				t.Fatalf("%s over %s: %d due by %v in all, want %d", name, seq, due, e, p.Due(e))
			}
		}
	}
}

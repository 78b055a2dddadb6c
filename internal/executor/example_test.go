package executor_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// countingSource makes VUs whose iterations only count themselves.
type countingSource struct {
	made, iterations atomic.Int64
}

func (s *countingSource) NewVU(context.Context, string) (executor.VU, error) {
	return countingVU{id: int(s.made.Add(1)), src: s}, nil
}

type countingVU struct {
	id  int
	src *countingSource
}

func (v countingVU) ID() int { return v.id }

func (v countingVU) Run(context.Context, executor.Iteration) { v.src.iterations.Add(1) }

func ExampleNew() {
	sc := plan.Scenario{Name: "smoke", Executor: plan.SharedIterations, VUs: 2, Iterations: 6, MaxDuration: time.Minute}
	src := &countingSource{}
	e, err := executor.New(sc, src, nil, executor.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := e.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	p := e.Progress()
	fmt.Println(src.iterations.Load(), "iterations on", p.AllocatedVUs, "VUs; done:", p.Done)
	// Output: 6 iterations on 2 VUs; done: true
}

func ExampleNew_invalid() {
	sc := plan.Scenario{Name: "api_read", Executor: plan.ConstantArrivalRate, Rate: 0, Duration: time.Minute,
		PreAllocatedVUs: 10}
	_, err := executor.New(sc, &countingSource{}, nil, executor.Options{})
	fmt.Println(err)
	// Output: executor: scenario "api_read": rate 0: must be more than 0
}

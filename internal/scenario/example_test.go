package scenario_test

import (
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/scenario"
)

// noEnv is an empty environment, so the example does not depend on the machine.
func noEnv(string) (string, bool) { return "", false }

// Compile reports every problem of a file at once, each with its position and a hint.
func ExampleCompile() {
	src := []byte(`scenarios:
  read:
    executor: constant-arrival-rate
    rate: ${RATE:-lots}
    duration: 1m
    preAlocatedVUs: 10
flows:
  default:
    - request: { url: "${BASE_URL}/api/meetings" }
`)
	_, err := scenario.Compile("read.yaml", src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, noEnv)
	var errs scenario.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Println(e)
		}
	}
	// Output:
	// read.yaml:4:11: scenarios.read.rate: expected an integer, got "lots" (from ${RATE:-lots})
	// read.yaml:6:5: scenarios.read.preAlocatedVUs: unknown key "preAlocatedVUs" (hint: did you mean "preAllocatedVUs"?)
}

// A valid file compiles into a plan with k6's defaults filled in.
func ExampleLoad() {
	p, err := scenario.Load("testdata/01-api-read-load.yaml", nil, noEnv)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range p.Scenarios {
		fmt.Printf("%s: %s, gracefulStop %s, maxVUs %d\n", s.Name, s.Executor, s.GracefulStop, s.MaxVUs)
	}
	fmt.Println("base URL:", p.Options.BaseURL, "hosts:", p.Options.Hosts)
	// Output:
	// read: ramping-arrival-rate, gracefulStop 30s, maxVUs 500
	// steady: constant-vus, gracefulStop 30s, maxVUs 0
	// base URL: http://127.0.0.1:5000 hosts: [127.0.0.1:5000]
}

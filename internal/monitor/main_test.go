package monitor_test

import (
	"bufio"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// childEnv makes the test binary, re-executed, act as the process a test watches instead of
// running tests: "grow" allocates and touches 50 MB over about two seconds, "busy" spins.
// Either lives at most childLifetime, so a child whose test died cannot outlive it for long.
const (
	childEnv      = "RAMP_MONITOR_TEST_CHILD"
	childLifetime = 30 * time.Second
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "grow":
		grow()
	case "busy":
		busy()
	default:
		fmt.Fprintf(os.Stderr, "unknown %s %q\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
	os.Exit(0)
}

// sink keeps the child's allocations reachable.
var sink [][]byte

// grow waits for a line on stdin (the test's baseline reading is taken), touches 50 MB in
// 1 MB steps over two seconds, then waits to be killed.
func grow() {
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return
	}
	for range 50 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = byte(i) // touch every page so it is resident
		}
		sink = append(sink, b)
		time.Sleep(40 * time.Millisecond)
	}
	time.Sleep(childLifetime)
}

// busy spins on one core until killed.
func busy() {
	fmt.Println("ready")
	end := time.Now().Add(childLifetime)
	x := 0
	for time.Now().Before(end) {
		for i := range 1_000_000 {
			x += i
		}
	}
	fmt.Println(x)
}

// compileRaw parses monitors as the scenario compiler does and builds them as a run does.
func compileRaw(rs []monitor.Raw) ([]monitor.Monitor, []monitor.Unconfigured, error) {
	pms, err := monitor.Parse(rs)
	if err != nil {
		return nil, nil, err
	}
	return monitor.Compile(pms)
}

// prometheusMonitor builds one Prometheus monitor the way a run does (Compile); a zero interval
// is the default.
func prometheusMonitor(name, url string, series []monitor.PromSeries, interval time.Duration) (monitor.Monitor, error) {
	ms, _, err := monitor.Compile([]plan.Monitor{{Name: name, Kind: "prometheus", URL: url, Series: series, Interval: interval}})
	if err != nil {
		return nil, err
	}
	return ms[0], nil
}

// processMonitor builds one process monitor by PID the way a run does.
func processMonitor(name string, pid int, interval time.Duration) monitor.Monitor {
	ms, _, err := monitor.Compile([]plan.Monitor{{Name: name, Kind: "process", PID: pid, Interval: interval}})
	if err != nil {
		panic(err) // the tests give a live PID and a valid interval
	}
	return ms[0]
}

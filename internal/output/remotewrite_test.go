package output

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/output/promtest"
)

// recordRequests records n requests over two names with log-normal durations (median about
// 5 ms, a long tail) and returns the registry's final snapshot.
func recordRequests(t *testing.T, out metrics.Output, n int, seed uint64) *metrics.Snapshot {
	t.Helper()
	reg, err := metrics.NewRegistry(metrics.Config{Output: out})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	tags := []*metrics.TagSet{
		metrics.NewTags(map[string]string{"name": "list", "method": "GET", "scenario": "default"}),
		metrics.NewTags(map[string]string{"name": "create", "method": "POST", "scenario": "default", "a-b.c": "x"}),
	}
	rec := reg.Recorder()
	for i := range n {
		d := time.Duration(math.Exp(rng.NormFloat64()*0.8) * 5e6)
		status, ok := 200, true
		if i%50 == 0 {
			status, ok = 503, false
		}
		rec.HTTP(&metrics.HTTPSample{Time: time.Now(), Tags: tags[i%2], Status: status, Expected: ok,
			Waiting: d, Duration: d, Sent: 100, Received: 1000})
		if i%100 == 0 {
			rec.Flush()
		}
	}
	reg.SetVUs(7, 10)
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	return reg.Snapshot()
}

func TestRemoteWriteToPrometheus(t *testing.T) {
	prom := promtest.Start(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, native := range []bool{true, false} {
		live := NewLive(LiveOptions{NativeHistograms: native, Labels: []Label{{"test", map[bool]string{true: "native", false: "gauges"}[native]}}})
		rw := NewRemoteWrite(live, RemoteWriteConfig{URL: prom.WriteURL(), FlushInterval: 100 * time.Millisecond})
		snap := recordRequests(t, live, 5000, 7)
		time.Sleep(300 * time.Millisecond) // a few flushes while "running"
		st := rw.Close()
		if st.Dropped != 0 || st.Failed != 0 || st.Sent == 0 {
			t.Fatalf("native=%v: stats %+v\n%s", native, st, prom.Log())
		}
		sel := `{test="` + live.opts.Labels[0].Value + `"}`
		want, _ := snap.Aggregate(metrics.HTTPReqs, "count", 0)
		got, err := prom.Scalar(ctx, `sum(ramp_http_reqs_total`+sel+`)`)
		if err != nil || got != want {
			t.Fatalf("native=%v: ramp_http_reqs_total = %v (%v), the snapshot counted %v", native, got, err, want)
		}
		// Every tag is a label: the 503s are their own series.
		failed, err := prom.Scalar(ctx, `sum(ramp_http_reqs_total{test="`+live.opts.Labels[0].Value+`",status="503",expected_response="false"})`)
		if err != nil || failed != 100 {
			t.Errorf("native=%v: 503s read back %v (%v), want 100", native, failed, err)
		}
		if vus, err := prom.Scalar(ctx, `ramp_vus`+sel); err != nil || vus != 7 {
			t.Errorf("native=%v: ramp_vus = %v (%v), want 7", native, vus, err)
		}
		if n, err := prom.Scalar(ctx, `count(ramp_http_reqs_total{test="`+live.opts.Labels[0].Value+`",a_b_c="x"})`); err != nil || n < 1 {
			t.Errorf("native=%v: the tag a-b.c is not the label a_b_c: %v %v", native, n, err)
		}
		p95ms, _ := snap.Aggregate(metrics.HTTPReqDuration, "p", 95)
		expr := `histogram_quantile(0.95, sum(ramp_http_req_duration_seconds` + sel + `))`
		if !native {
			expr = `max(ramp_http_req_duration_p95` + sel + `)` // per series; check the list one below
		}
		got, err = prom.Scalar(ctx, expr)
		if err != nil {
			t.Fatalf("native=%v: %v", native, err)
		}
		t.Logf("native=%v: %v requests read back; p95 %.4f (whole-run summary %.4f ms)", native, want, got, p95ms)
		if native {
			// One bucket of schema 5 is 2.2% wide; HDR adds 0.1%.
			if rel := math.Abs(got*1000-p95ms) / p95ms; rel > 0.025 {
				t.Errorf("native=%v: p95 read back %.3f ms, the summary's %.3f ms (%.1f%% off)", native, got*1000, p95ms, rel*100)
			}
		} else {
			listP95, _ := snap.Aggregate("http_req_duration{name:list}", "p", 95)
			g, err := prom.Scalar(ctx, `max(ramp_http_req_duration_p95{test="gauges",name="list",status="200"})`)
			if err != nil || math.Abs(g*1000-listP95)/listP95 > 0.05 {
				t.Errorf("p95 gauge of name=list read back %.3f ms (%v), the summary's %.3f ms", g*1000, err, listP95)
			}
		}
	}
}

// A receiver that dies halfway costs samples, counted, and never time: the load goes on at
// its pace and Close returns within its timeout.
func TestRemoteWriteReceiverDown(t *testing.T) {
	prom := promtest.Start(t, "")
	live := NewLive(LiveOptions{NativeHistograms: true})
	rw := NewRemoteWrite(live, RemoteWriteConfig{URL: prom.WriteURL(), FlushInterval: 50 * time.Millisecond, Timeout: time.Second})
	reg, err := metrics.NewRegistry(metrics.Config{Output: live})
	if err != nil {
		t.Fatal(err)
	}
	rec := reg.Recorder()
	tags := metrics.NewTags(map[string]string{"name": "x"})
	start := time.Now()
	for i := range 40 {
		if i == 20 {
			prom.Stop()
		}
		for range 50 {
			rec.HTTP(&metrics.HTTPSample{Time: time.Now(), Tags: tags, Status: 200, Expected: true, Duration: time.Millisecond})
		}
		rec.Flush()
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	_ = reg.Close()
	closeStart := time.Now()
	st := rw.Close()
	if d := time.Since(closeStart); d > 2*time.Second {
		t.Errorf("Close took %v with the receiver down; bounded by its 1s timeout", d)
	}
	if elapsed > 2*time.Second {
		t.Errorf("40 × 10 ms of load took %v: the output slowed it", elapsed)
	}
	if st.Sent == 0 || st.Dropped == 0 || st.LastError == "" {
		t.Fatalf("stats %+v: want samples sent before the stop and dropped after it, with the error", st)
	}
	t.Logf("%+v", st)
}

// A Prometheus without native histograms refuses them; ramp sends trend gauges from then on.
func TestRemoteWriteFallsBackToGauges(t *testing.T) {
	prom := promtest.StartWith(t, promtest.Options{NoNativeHistograms: true})
	live := NewLive(LiveOptions{NativeHistograms: true})
	rw := NewRemoteWrite(live, RemoteWriteConfig{URL: prom.WriteURL(), FlushInterval: 50 * time.Millisecond, FallBackToGauges: true})
	snap := recordRequests(t, live, 1000, 3)
	time.Sleep(200 * time.Millisecond)
	st := rw.Close()
	if !st.Gauges || st.Dropped == 0 {
		t.Fatalf("stats %+v: want the refusal counted and the fallback to gauges", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want, _ := snap.Aggregate(metrics.HTTPReqs, "count", 0)
	if got, err := prom.Scalar(ctx, `sum(ramp_http_reqs_total)`); err != nil || got != want {
		t.Fatalf("ramp_http_reqs_total = %v (%v), want %v", got, err, want)
	}
	if n, err := prom.Query(ctx, `ramp_http_req_duration_p95`); err != nil || len(n) == 0 {
		t.Fatalf("no p95 gauge after the fallback: %v %v", n, err)
	}
}

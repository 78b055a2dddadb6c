package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/snappy"
)

// RemoteWrite sends a Live's series to Prometheus's remote-write endpoint (protocol 1.0:
// protobuf WriteRequest, snappy block compression) once every FlushInterval, and once more,
// whole, when it closes.
//
// The load never waits for it. Each flush encodes the series on the ticker's goroutine and
// offers the request to a queue of QueueSize requests; one sender posts them in order. When
// the server is slow or down the queue fills and a request that finds it full is dropped, and
// a request the server refuses or that times out is dropped too: its samples are counted
// (Stats.Dropped) and the summary says how many. Because every series is cumulative, a lost
// request costs a point of resolution on the graphs, not a request from the totals: the next
// one that arrives carries them.
//
// Library: github.com/golang/snappy, the Go implementation by the format's authors, which
// Prometheus itself uses for this protocol (block format, not the framed stream).
type RemoteWrite struct {
	live *Live
	cfg  RemoteWriteConfig

	queue      chan rwRequest
	stop       chan struct{}
	tickerDone chan struct{}
	// abandon ends the sending, Timeout after Close began.
	abandonCtx context.Context
	abandon    context.CancelFunc
	abandoned  <-chan struct{}
	done       sync.WaitGroup // the sender

	sent, dropped, requests, failed atomic.Int64
	fellBack                        atomic.Bool
	mu                              sync.Mutex
	lastErr                         error
	closed                          bool
}

// RemoteWriteConfig configures a RemoteWrite.
type RemoteWriteConfig struct {
	// URL is the receiver, e.g. http://127.0.0.1:9090/api/v1/write.
	URL string
	// FlushInterval is how often the series are sent (DefaultFlushInterval when 0).
	FlushInterval time.Duration
	// Timeout bounds one request (DefaultRemoteTimeout when 0).
	Timeout time.Duration
	// QueueSize is how many requests may wait for the sender (DefaultQueueSize when 0).
	QueueSize int
	// Headers are added to every request (e.g. authorization for a hosted receiver).
	Headers http.Header
	// Client sends the requests; a client with no other settings when nil.
	Client *http.Client
	// FallBackToGauges switches the Live to trend gauges when the receiver refuses native
	// histograms (Prometheus without --enable-feature=native-histograms answers 500
	// "native histograms are disabled"): "native where the server accepts them".
	FallBackToGauges bool
}

// Defaults of RemoteWriteConfig.
const (
	DefaultFlushInterval = time.Second
	DefaultRemoteTimeout = 5 * time.Second
	DefaultQueueSize     = 10
)

type rwRequest struct {
	body    []byte
	samples int
}

// RemoteWriteStats are what a RemoteWrite did.
type RemoteWriteStats struct {
	// Requests were posted; Failed of them were refused or never answered.
	Requests, Failed int64
	// Sent samples reached the server; Dropped did not (queue full, refused, timed out).
	Sent, Dropped int64
	// LastError is the last failure, "" when none.
	LastError string
	// Gauges is true when the receiver refused native histograms and trends went as gauges.
	Gauges bool
}

// NewRemoteWrite starts sending live's series to cfg.URL every FlushInterval until Close.
func NewRemoteWrite(live *Live, cfg RemoteWriteConfig) *RemoteWrite {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRemoteTimeout
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	w := &RemoteWrite{live: live, cfg: cfg, queue: make(chan rwRequest, cfg.QueueSize), stop: make(chan struct{})}
	w.tickerDone = make(chan struct{})
	w.abandonCtx, w.abandon = context.WithCancel(context.Background())
	w.abandoned = w.abandonCtx.Done()
	w.done.Add(1)
	go w.sender()
	go w.ticker()
	return w
}

// ticker encodes and enqueues the series every FlushInterval.
func (w *RemoteWrite) ticker() {
	defer close(w.tickerDone)
	t := time.NewTicker(w.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.offer(w.encode(now))
		}
	}
}

// encode builds the compressed WriteRequest of every series as of now.
func (w *RemoteWrite) encode(now time.Time) rwRequest {
	series := w.live.Collect(now)
	raw, n := appendWriteRequest(nil, series, now.UnixMilli())
	return rwRequest{body: snappy.Encode(nil, raw), samples: n}
}

// offer enqueues r, or drops and counts it when the queue is full.
func (w *RemoteWrite) offer(r rwRequest) {
	if r.samples == 0 {
		return
	}
	select {
	case w.queue <- r:
	default:
		w.dropped.Add(int64(r.samples))
		w.fail(errors.New("the queue was full: the receiver is slower than one request per flush interval"))
	}
}

// sender posts queued requests in order until the queue closes.
func (w *RemoteWrite) sender() {
	defer w.done.Done()
	for r := range w.queue {
		select {
		case <-w.abandoned:
			w.dropped.Add(int64(r.samples))
			continue
		default:
		}
		w.requests.Add(1)
		if err := w.post(r.body); err != nil {
			if w.cfg.FallBackToGauges && strings.Contains(strings.ToLower(err.Error()), "native histograms") {
				w.live.SetNativeHistograms(false)
				w.fellBack.Store(true)
			}
			w.failed.Add(1)
			w.dropped.Add(int64(r.samples))
			w.fail(err)
			continue
		}
		w.sent.Add(int64(r.samples))
	}
}

func (w *RemoteWrite) fail(err error) {
	w.mu.Lock()
	w.lastErr = err
	w.mu.Unlock()
}

// post sends one request; any answer but 2xx is an error quoting the server.
func (w *RemoteWrite) post(body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout)
	defer cancel()
	stop := context.AfterFunc(w.abandonCtx, cancel)
	defer stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range w.cfg.Headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("User-Agent", "ramp")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s: %s", w.cfg.URL, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// Close stops the ticker, sends the final series (after the engine has flushed every sample,
// so the last point equals the summary) and waits for the queue to drain, each request
// bounded by Timeout. It returns the stats; the run never fails for them.
func (w *RemoteWrite) Close() RemoteWriteStats {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.Stats()
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.tickerDone // the only other sender on the queue
	// The last request may wait for a place in the queue, and everything still queued may
	// be sent, for one Timeout in all; then what is left is dropped, so that a dead
	// receiver delays the end of a run by Timeout at most.
	time.AfterFunc(w.cfg.Timeout, w.abandon)
	if r := w.encode(time.Now()); r.samples > 0 {
		select {
		case w.queue <- r:
		case <-w.abandoned:
			w.dropped.Add(int64(r.samples))
		}
	}
	close(w.queue)
	w.done.Wait()
	w.abandon()
	return w.Stats()
}

// Stats returns what was sent and dropped so far.
func (w *RemoteWrite) Stats() RemoteWriteStats {
	s := RemoteWriteStats{Requests: w.requests.Load(), Failed: w.failed.Load(), Sent: w.sent.Load(),
		Dropped: w.dropped.Load(), Gauges: w.fellBack.Load()}
	w.mu.Lock()
	if w.lastErr != nil {
		s.LastError = w.lastErr.Error()
	}
	w.mu.Unlock()
	return s
}

// ParseRemoteWriteURL splits --out prometheus-rw=URL: the receiver's URL, and k6's output
// options given as query parameters that the receiver does not see —
// trend_stats=p(95),max and trend_as_native_histogram=true — over those of env (k6's
// variables with ramp's prefix: RAMP_PROMETHEUS_RW_TREND_STATS,
// RAMP_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM). explicit says whether
// trend_as_native_histogram was given; without it ramp tries native histograms and falls back
// to gauges when the receiver refuses them.
func ParseRemoteWriteURL(raw string, env func(string) (string, bool)) (string, LiveOptions, bool, error) {
	var o LiveOptions
	explicit := false
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", o, false, fmt.Errorf("prometheus-rw=%s: want the receiver's http(s) URL, e.g. http://127.0.0.1:9090/api/v1/write", raw)
	}
	q := u.Query()
	get := func(param, envName string) (string, bool) {
		if q.Has(param) {
			v := q.Get(param)
			q.Del(param)
			return v, true
		}
		return env(envName)
	}
	if v, ok := get("trend_stats", "RAMP_PROMETHEUS_RW_TREND_STATS"); ok {
		if o.TrendStats, err = ParseTrendStats(v); err != nil {
			return "", o, false, fmt.Errorf("prometheus-rw: %w", err)
		}
	}
	if v, ok := get("trend_as_native_histogram", "RAMP_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM"); ok {
		explicit = true
		if o.NativeHistograms, err = strconv.ParseBool(v); err != nil {
			return "", o, false, fmt.Errorf("prometheus-rw: trend_as_native_histogram=%q: want true or false", v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), o, explicit, nil
}

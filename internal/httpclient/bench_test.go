//go:build unix

package httpclient

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// benchServerEnv makes TestBenchServerProcess serve instead of skipping.
const benchServerEnv = "RAMP_HTTPCLIENT_BENCH_SERVER"

// TestBenchServerProcess is not a test: it is the tiny keep-alive server the benchmarks run as
// a child process with one core, so that the benchmark process's CPU time is the client's
// alone. It prints its address and serves until its stdin closes.
func TestBenchServerProcess(t *testing.T) {
	if os.Getenv(benchServerEnv) != "1" {
		t.Skip("the benchmarks' server process")
	}
	runtime.GOMAXPROCS(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "abc")
	}))
	fmt.Println(ln.Addr())
	fmt.Println(tlsSrv.Listener.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serveCanned(c)
	}
}

// startBenchServer starts the server process and returns the address of its plain server
// (serveCanned) and of its TLS server (net/http, a self-signed certificate).
func startBenchServer(b *testing.B) (plain, tls string) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerProcess$")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	br := bufio.NewReader(stdout)
	plain, err = br.ReadString('\n')
	if err == nil {
		tls, err = br.ReadString('\n')
	}
	if err != nil {
		b.Fatalf("bench server: %v", err)
	}
	return strings.TrimSpace(plain), strings.TrimSpace(tls)
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU runs fn (the benchmark loop) and reports the client process's CPU time per
// request as cpu-ns/op, beside ns/op (the round trip, which includes the server's turn).
func measureCPU(b *testing.B, fn func()) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	fn()
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkKeepAliveGET compares ramp's client with net/http's and fasthttp's HostClient on
// keep-alive GETs against a tiny server in another process: one connection (sequential) and
// 50 connections (50 goroutines, as in PRODUCT.md's table).
func BenchmarkKeepAliveGET(b *testing.B) {
	addr, _ := startBenchServer(b)
	url := "http://" + addr + "/"
	for _, conns := range []int{1, 50} {
		b.Run(fmt.Sprintf("ramp/conns=%d", conns), func(b *testing.B) {
			benchParallel(b, conns, func() func() error {
				c := New(Options{Timeout: 10 * time.Second})
				req := &Request{URL: url}
				var resp Response
				return func() error {
					c.Do(context.Background(), req, &resp)
					return resp.Err
				}
			})
		})
		b.Run(fmt.Sprintf("nethttp/conns=%d", conns), func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			benchParallel(b, conns, func() func() error {
				return func() error {
					r, err := hc.Get(url)
					if err != nil {
						return err
					}
					_, err = io.Copy(io.Discard, r.Body)
					r.Body.Close()
					return err
				}
			})
		})
		b.Run(fmt.Sprintf("fasthttp/conns=%d", conns), func(b *testing.B) {
			hc := &fasthttp.HostClient{Addr: addr, MaxConns: conns, ReadTimeout: 10 * time.Second}
			defer hc.CloseIdleConnections()
			benchParallel(b, conns, func() func() error {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				req.SetRequestURI(url)
				return func() error { return hc.Do(req, resp) }
			})
		})
	}
}

// benchParallel runs b.N requests over conns goroutines, each with its own doer from newDoer.
func benchParallel(b *testing.B, conns int, newDoer func() func() error) {
	if conns == 1 {
		do := newDoer()
		if err := do(); err != nil { // connect outside the measurement
			b.Fatal(err)
		}
		measureCPU(b, func() {
			for range b.N {
				if err := do(); err != nil {
					b.Fatal(err)
				}
			}
		})
		return
	}
	b.SetParallelism((conns + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	measureCPU(b, func() {
		b.RunParallel(func(pb *testing.PB) {
			do := newDoer()
			for pb.Next() {
				if err := do(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// loopReader returns the same bytes forever, so that a parser reads response after response.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

// BenchmarkParse compares ramp's response parser with fasthttp.Response.Read on the same bytes
// from memory: the parsing cost alone, without the network.
func BenchmarkParse(b *testing.B) {
	chunked := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"1a\r\n{\"id\":1,\"title\":\"standup\"}\r\n0\r\n\r\n"
	for _, tc := range []struct{ name, reply string }{{"nginx", benchReply}, {"chunked", chunked}} {
		b.Run("ramp/"+tc.name, func(b *testing.B) {
			br := bufio.NewReaderSize(&loopReader{data: []byte(tc.reply)}, 4096)
			var resp Response
			var long []byte
			b.ReportAllocs()
			for range b.N {
				resp.reset(true)
				p := parser{br: br, long: &long, maxHead: DefaultMaxHeaderBytes, budget: DefaultMaxHeaderBytes,
					keep: true, maxBody: DefaultMaxBodyBytes, resp: &resp}
				if _, err := p.read(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("fasthttp/"+tc.name, func(b *testing.B) {
			br := bufio.NewReaderSize(&loopReader{data: []byte(tc.reply)}, 4096)
			var resp fasthttp.Response
			b.ReportAllocs()
			for range b.N {
				if err := resp.Read(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendRequest measures serializing a typical API request head.
func BenchmarkAppendRequest(b *testing.B) {
	var t target
	if err := parseTarget("http://127.0.0.1:5000/api/meetings?page=2&per_page=20", &t); err != nil {
		b.Fatal(err)
	}
	h := requestHead{method: "GET", t: &t, userAgent: DefaultUserAgent, header: []Header{
		{"Authorization", "Bearer 6f1c2a9e4b7d4e0f8a3b5c6d7e8f9a0b"}, {"Accept", "application/json"}}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for range b.N {
		var err error
		if buf, _, err = appendRequest(buf[:0], &h); err != nil {
			b.Fatal(err)
		}
	}
	_ = bytes.MinRead
}

// BenchmarkMemoryPerVU reports the Go heap one VU's client holds after a request — Client,
// Response, connection, read buffer — against PRODUCT.md's 32 KiB per VU (kernel socket
// buffers are not on the Go heap and not counted).
func BenchmarkMemoryPerVU(b *testing.B) {
	plain, tlsAddr := startBenchServer(b)
	const vus = 200
	for _, scheme := range []string{"http", "https"} {
		addr := map[string]string{"http": plain, "https": tlsAddr}[scheme]
		b.Run(scheme, func(b *testing.B) {
			var perVU float64
			for range b.N {
				clients := make([]*Client, vus)
				resps := make([]Response, vus)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for i := range clients {
					clients[i] = New(Options{InsecureSkipTLSVerify: true})
					clients[i].Do(context.Background(), &Request{URL: scheme + "://" + addr + "/"}, &resps[i])
					if resps[i].Err != nil {
						b.Fatal(resps[i].Err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perVU = float64(after.HeapAlloc-before.HeapAlloc) / vus
				for _, c := range clients {
					c.Close()
				}
				runtime.KeepAlive(resps)
			}
			b.ReportMetric(perVU, "heap-B/VU")
		})
	}
}

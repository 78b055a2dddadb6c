// Command bodyserver is the target of bench/body-rss.sh: an HTTP server on 127.0.0.1 whose
// every response is a body of -size bytes with a Content-Length, generated as it is written
// from one 256 KiB pattern, so that the server itself holds no large body. It prints
// "listening on http://ADDR" once it accepts connections and runs until interrupted.
//
//	go run ./bench/bodyserver -size 268435456 -addr 127.0.0.1:0
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bodyserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bodyserver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0: a free one)")
	size := fs.Int64("size", 256<<20, "bytes in every response body")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *size < 0 {
		return fmt.Errorf("-size %d: want >= 0", *size)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: bodyHandler(*size), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// bodyHandler answers every request with size bytes of a repeated pattern. A client that
// stops reading ends the write with an error, which ends the handler.
func bodyHandler(size int64) http.Handler {
	pattern := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB, shared read-only
	length := strconv.FormatInt(size, 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", length)
		for n := size; n > 0; {
			m, err := w.Write(pattern[:min(n, int64(len(pattern)))])
			if err != nil {
				return
			}
			n -= int64(m)
		}
	})
}

package wsclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ramp-dev/ramp/internal/wsclient"
)

// burst serves a WebSocket that sends n text messages "0".."n-1", then closes with 4001.
func burst(t *testing.T, n int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		for i := range n {
			if err := c.Write(r.Context(), websocket.MessageText, []byte(fmt.Sprint(i))); err != nil {
				return
			}
		}
		c.Close(4001, "done")
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// TestInboxKeepsNewest: a flow that does not read while messages arrive finds the newest
// Inbox of them; the older ones were dropped, never blocking the reader, and all are counted.
// Then the session's end is reported with the server's close frame.
func TestInboxKeepsNewest(t *testing.T) {
	t.Parallel()
	c := wsclient.New(wsclient.Options{Inbox: 4})
	s, _, _, err := c.Dial(t.Context(), wsclient.Request{URL: burst(t, 100)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, _ := s.Received(); n == 100 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n, size := s.Received(); n != 100 || size != 190 { // "0".."9" one byte, "10".."99" two
		t.Fatalf("received %d messages, %d bytes; want 100, 190", n, size)
	}
	for want := 96; want < 100; want++ {
		m, err := s.Next(t.Context())
		if err != nil || string(m.Data) != fmt.Sprint(want) {
			t.Fatalf("Next = %q, %v; want %d", m.Data, err, want)
		}
	}
	_, err = s.Next(t.Context())
	var ce *wsclient.CloseError
	if !errors.Is(err, wsclient.ErrClosed) || !errors.As(err, &ce) || ce.Code != 4001 {
		t.Fatalf("after the last message: %v, want ErrClosed with 4001", err)
	}
}

// TestDialRefusals: a host off the allowlist is never dialled; a URL that is not WebSocket or
// HTTP is refused; a handshake the server refuses reports its status.
func TestDialRefusals(t *testing.T) {
	t.Parallel()
	u := burst(t, 0)
	c := wsclient.New(wsclient.Options{Allow: func(hp string) bool { return strings.HasPrefix(hp, "example.com") }})
	if _, _, _, err := c.Dial(t.Context(), wsclient.Request{URL: u}); err == nil || !strings.Contains(err.Error(), "allowlist") {
		t.Errorf("dial off the allowlist: %v", err)
	}
	if _, _, _, err := wsclient.New(wsclient.Options{}).Dial(t.Context(), wsclient.Request{URL: "ftp://127.0.0.1/x"}); err == nil {
		t.Error("an ftp:// URL was dialled")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) }))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, _, status, err := wsclient.New(wsclient.Options{}).Dial(ctx, wsclient.Request{URL: srv.URL}) // http:// is taken as ws://
	if err == nil || status != http.StatusUnauthorized {
		t.Errorf("refused handshake: status %d, %v; want 401", status, err)
	}
}

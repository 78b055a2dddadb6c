package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/api"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
)

// liveFixture is a real mina handler over a real SQLite store, served by httptest: ada owns
// meeting, bob owns another.
type liveFixture struct {
	srv              *httptest.Server
	handler          *api.Server
	db               *sqlite.DB
	ada, bob         string // tokens
	meeting, bobMeet int64
}

func newLiveFixture(t *testing.T, cfg api.LiveConfig) *liveFixture {
	t.Helper()
	return newLiveFixtureBuf(t, cfg, 0)
}

// newLiveFixtureBuf sets the server's socket send buffer to sndbuf bytes when positive, so
// that a client that stops reading fills it after kilobytes rather than megabytes.
func newLiveFixtureBuf(t *testing.T, cfg api.LiveConfig, sndbuf int) *liveFixture {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "mina.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := t.Context()
	f := &liveFixture{db: db}
	var users [2]*mina.User
	for i, name := range []string{"ada", "bob"} {
		u, tok, err := db.CreateUser(ctx, name+"@example.com", name)
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u
		if i == 0 {
			f.ada = tok
		} else {
			f.bob = tok
		}
	}
	for i, u := range users {
		m := &mina.Meeting{UserID: u.ID, Title: "standup", StartsAt: time.Now(), DurationMinutes: 15}
		if err := db.CreateMeeting(ctx, m); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.meeting = m.ID
		} else {
			f.bobMeet = m.ID
		}
	}
	h, err := api.New(api.Config{Users: db, Meetings: db, Tasks: db, Analytics: db, Transcripts: db, Live: cfg})
	if err != nil {
		t.Fatal(err)
	}
	f.handler = h
	f.srv = httptest.NewUnstartedServer(h)
	if sndbuf > 0 {
		f.srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			_ = c.(*net.TCPConn).SetWriteBuffer(sndbuf)
			return ctx
		}
	}
	f.srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.CloseLive(ctx)
		f.srv.Close()
	})
	return f
}

func (f *liveFixture) wsURL(meeting int64) string {
	return "ws" + strings.TrimPrefix(f.srv.URL, "http") + fmt.Sprintf("/ws/meetings/%d/transcript", meeting)
}

// dial connects as the owner of token and reads the ready message.
func (f *liveFixture) dial(t *testing.T, token string, meeting int64) *websocket.Conn {
	return f.dialWith(t, token, meeting, nil)
}

// dialWith dials over client (nil: the default one).
func (f *liveFixture) dialWith(t *testing.T, token string, meeting int64, client *http.Client) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, f.wsURL(meeting), &websocket.DialOptions{HTTPClient: client,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}, Subprotocols: []string{api.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	if m := readMsg(t, c); m["type"] != "ready" {
		t.Fatalf("first message = %v, want ready", m)
	}
	return c
}

func readMsg(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v, want text", typ)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

func send(t *testing.T, c *websocket.Conn, typ websocket.MessageType, b []byte) {
	t.Helper()
	if err := c.Write(t.Context(), typ, b); err != nil {
		t.Fatal(err)
	}
}

// closeCode reads until the connection ends and returns the server's close code.
func closeCode(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// TestLiveRefusedBeforeUpgrade: every refusal is a plain HTTP answer with a JSON error, before
// any upgrade, so a client sees a status, not a dropped connection.
func TestLiveRefusedBeforeUpgrade(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, api.LiveConfig{})
	tests := []struct {
		name    string
		token   string
		meeting string
		origin  string
		want    int
	}{
		{"no token", "", fmt.Sprint(f.meeting), "", http.StatusUnauthorized},
		{"bad token", "nope", fmt.Sprint(f.meeting), "", http.StatusUnauthorized},
		{"another user's meeting", f.bob, fmt.Sprint(f.meeting), "", http.StatusNotFound},
		{"no such meeting", f.ada, "999999", "", http.StatusNotFound},
		{"bad id", f.ada, "x1", "", http.StatusBadRequest},
		{"cross-origin page", f.ada, fmt.Sprint(f.meeting), "https://evil.example", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.token != "" {
				h.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			u := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws/meetings/" + tt.meeting + "/transcript"
			_, resp, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{HTTPHeader: h})
			if err == nil {
				t.Fatal("upgraded; want a refusal")
			}
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("response %v (%v), want status %d", resp, err, tt.want)
			}
		})
	}
}

// TestLiveBroadcastStoredAndReadBack: a speaker's chunks get partials; every session of the
// meeting gets each final segment; the segments are stored and read back over REST in order.
func TestLiveBroadcastStoredAndReadBack(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, api.LiveConfig{SegmentChunks: 3})
	speaker := f.dial(t, f.ada, f.meeting)
	listeners := []*websocket.Conn{f.dial(t, f.ada, f.meeting), f.dial(t, f.ada, f.meeting)}
	other := f.dial(t, f.bob, f.bobMeet) // another meeting: hears nothing

	chunks := [][]byte{[]byte("one"), []byte("two"), []byte("three"), []byte("four")}
	var words []string
	for i, c := range chunks {
		send(t, speaker, websocket.MessageBinary, c)
		words = append(words, api.Word(c))
		p := readMsg(t, speaker)
		if p["type"] != "partial" || p["chunk"] != float64(i+1) {
			t.Fatalf("after chunk %d: %v", i+1, p)
		}
		if i < 3 && p["text"] != strings.Join(words, " ") {
			t.Fatalf("partial text %q, want %q", p["text"], strings.Join(words, " "))
		}
		if i == 2 { // the third chunk ends a segment: the speaker hears it too
			if m := readMsg(t, speaker); m["type"] != "final" {
				t.Fatalf("speaker got %v, want the final", m)
			}
		}
	}
	send(t, speaker, websocket.MessageText, []byte(`{"type":"end_segment"}`)) // a one-chunk segment
	want := []string{strings.Join(words[:3], " "), words[3]}
	if m := readMsg(t, speaker); m["type"] != "final" {
		t.Fatalf("speaker got %v after end_segment", m)
	}
	for i, l := range listeners {
		for j, w := range want {
			m := readMsg(t, l)
			seg, _ := m["segment"].(map[string]any)
			if m["type"] != "final" || seg["text"] != w || seg["seq"] != float64(j+1) {
				t.Fatalf("listener %d, final %d = %v; want text %q seq %d", i, j, m, w, j+1)
			}
		}
	}
	send(t, other, websocket.MessageText, []byte(`{"type":"end_segment"}`)) // empty: ignored
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, b, err := other.Read(ctx); err == nil {
		t.Fatalf("another meeting's session got %s", b)
	}

	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/meetings/%d/transcript", f.srv.URL, f.meeting), nil)
	req.Header.Set("Authorization", "Bearer "+f.ada)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr mina.Transcript
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET transcript: %d %v", resp.StatusCode, err)
	}
	if len(tr.Segments) != 2 || tr.Segments[0].Text != want[0] || tr.Segments[0].Chunks != 3 ||
		tr.Segments[1].Text != want[1] || tr.Segments[1].Chunks != 1 || tr.Next != 2 {
		t.Fatalf("stored transcript = %+v, want %q", tr, want)
	}
	req.Header.Set("Authorization", "Bearer "+f.bob)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotFound {
		t.Fatalf("bob read ada's transcript: %d", resp2.StatusCode)
	}
}

// TestLiveCloseCodes: each way a session ends has its own close code.
func TestLiveCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("1008 for an unknown message", func(t *testing.T) {
		t.Parallel()
		f := newLiveFixture(t, api.LiveConfig{})
		c := f.dial(t, f.ada, f.meeting)
		send(t, c, websocket.MessageText, []byte(`{"type":"shout"}`))
		if got := closeCode(t, c); got != websocket.StatusPolicyViolation {
			t.Fatalf("close code %v, want 1008", got)
		}
	})
	t.Run("1009 for a chunk above the limit", func(t *testing.T) {
		t.Parallel()
		f := newLiveFixture(t, api.LiveConfig{MaxChunkBytes: 1024})
		c := f.dial(t, f.ada, f.meeting)
		_ = c.Write(t.Context(), websocket.MessageBinary, make([]byte, 4096))
		if got := closeCode(t, c); got != websocket.StatusMessageTooBig {
			t.Fatalf("close code %v, want 1009", got)
		}
	})
	t.Run("1011 when the segment cannot be stored", func(t *testing.T) {
		t.Parallel()
		f := newLiveFixture(t, api.LiveConfig{SegmentChunks: 1})
		c := f.dial(t, f.ada, f.meeting)
		f.db.Close() // the database goes away under the session
		send(t, c, websocket.MessageBinary, []byte("x"))
		if m := readMsg(t, c); m["type"] != "partial" {
			t.Fatalf("got %v, want the partial first", m)
		}
		if got := closeCode(t, c); got != websocket.StatusInternalError {
			t.Fatalf("close code %v, want 1011", got)
		}
	})
	t.Run("1001 on shutdown, and no session after it", func(t *testing.T) {
		t.Parallel()
		f := newLiveFixture(t, api.LiveConfig{})
		c := f.dial(t, f.ada, f.meeting)
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done <- f.handler.CloseLive(ctx)
		}()
		if got := closeCode(t, c); got != websocket.StatusGoingAway {
			t.Fatalf("close code %v, want 1001", got)
		}
		if err := <-done; err != nil {
			t.Fatalf("CloseLive: %v", err)
		}
		_, resp, err := websocket.Dial(t.Context(), f.wsURL(f.meeting), &websocket.DialOptions{
			HTTPHeader: http.Header{"Authorization": {"Bearer " + f.ada}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("dial after shutdown: %v %v, want 503", resp, err)
		}
	})
	t.Run("1000 answering the client's close", func(t *testing.T) {
		t.Parallel()
		f := newLiveFixture(t, api.LiveConfig{})
		c := f.dial(t, f.ada, f.meeting)
		if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
			t.Fatalf("close handshake: %v", err)
		}
	})
}

// TestLivePing: the server pings idle sessions; a client that answers stays, one that never
// reads (so never answers) is closed.
func TestLivePing(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, api.LiveConfig{PingInterval: 50 * time.Millisecond})
	alive := f.dial(t, f.ada, f.meeting)
	ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
	defer cancel()
	if _, _, err := alive.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an idle session answering pings ended: %v", err)
	}
	// alive's Read was cut by its context, which closes it (the library's rule); a new one
	// that never reads is the deaf client.
	deaf := f.dial(t, f.ada, f.meeting)
	time.Sleep(300 * time.Millisecond) // several ping intervals without a pong
	if got := closeCode(t, deaf); got != websocket.StatusPolicyViolation {
		t.Fatalf("a client that never answered pings: close code %v, want 1008", got)
	}
}

// TestLiveSlowListenerDropped: a listener that stops reading is dropped once the server's
// socket to it and its outbox are full, while the speaker goes on and a listener that keeps up
// gets every final. (A close frame cannot reach a client that does not read: the slow one sees
// its buffered messages, then the connection end.)
func TestLiveSlowListenerDropped(t *testing.T) {
	t.Parallel()
	f := newLiveFixtureBuf(t, api.LiveConfig{SegmentChunks: 1, WriteTimeout: time.Second}, 4096)
	speaker := f.dial(t, f.ada, f.meeting)
	// The slow listener never reads until the end, with a small socket receive buffer.
	small := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			err = c.(*net.TCPConn).SetReadBuffer(1024)
		}
		return c, err
	}}}
	slow := f.dialWith(t, f.ada, f.meeting, small)
	keeping := f.dial(t, f.ada, f.meeting)
	keptUp := make(chan int, 1)
	go func() {
		n := 0
		for {
			if _, _, err := keeping.Read(context.Background()); err != nil {
				keptUp <- n
				return
			}
			n++
		}
	}()
	chunk := make([]byte, 2)
	start := time.Now()
	n := 0
	for ; n < 20_000 && f.handler.LiveDropped() == 0; n++ {
		chunk[0], chunk[1] = byte(n), byte(n>>8)
		send(t, speaker, websocket.MessageBinary, chunk)
		if m := readMsg(t, speaker); m["type"] != "partial" {
			t.Fatalf("speaker got %v, want its partial", m)
		}
		if m := readMsg(t, speaker); m["type"] != "final" {
			t.Fatalf("speaker got %v, want the final", m)
		}
	}
	if d := f.handler.LiveDropped(); d != 1 {
		t.Fatalf("%d sessions dropped after %d segments, want the slow listener only", d, n)
	}
	t.Logf("dropped after %d segments in %v", n, time.Since(start))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := slow.Read(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the slow listener's connection is still open")
			}
			break
		}
	}
	send(t, speaker, websocket.MessageBinary, chunk) // the speaker's session goes on
	readMsg(t, speaker)
	if m := readMsg(t, speaker); m["type"] != "final" {
		t.Fatalf("speaker after the drop: %v", m)
	}
	time.Sleep(100 * time.Millisecond)
	keeping.CloseNow()
	if k := <-keptUp; k != n+1 {
		t.Fatalf("the listener that kept up got %d finals, want %d", k, n+1)
	}
}

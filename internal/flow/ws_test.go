package flow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/api"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
	"github.com/ramp-dev/ramp/internal/plan"
)

// minaLive starts a real mina (SQLite store, live transcription every segmentChunks chunks)
// and returns its ws:// base URL, a user's token and one of their meetings.
func minaLive(t *testing.T, segmentChunks int) (wsBase, token string, meeting int64) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "mina.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, tok, err := db.CreateUser(t.Context(), "ada@example.com", "ada")
	if err != nil {
		t.Fatal(err)
	}
	m := &mina.Meeting{UserID: u.ID, Title: "standup", StartsAt: time.Now(), DurationMinutes: 15}
	if err := db.CreateMeeting(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Config{Users: db, Meetings: db, Tasks: db, Analytics: db, Transcripts: db,
		Live: api.LiveConfig{SegmentChunks: segmentChunks}})
	if err != nil {
		t.Fatal(err)
	}
	srv := server(t, h.ServeHTTP)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.CloseLive(ctx)
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http"), tok, m.ID
}

// wsPlan is a plan whose flow is one ws step, with TOKEN set.
func wsPlan(w plan.WS, token string) *plan.Plan {
	p := onePlan(plan.Step{Kind: plan.StepWS, WS: &w, Line: w.Line})
	p.Vars = map[string]string{"TOKEN": token}
	return p
}

func runWS(t *testing.T, p *plan.Plan) (*metrics.Snapshot, *VU, bool) {
	t.Helper()
	reg, err := metrics.NewRegistry(metrics.Config{Submetrics: []string{"ws_sessions{name:speaker}", "ws_msg_latency{name:speaker}",
		"checks{check:ws connected,status:401}"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	s, err := NewShared(p, reg)
	if err != nil {
		t.Fatal(err)
	}
	v := newVU(t, s, 1)
	ok := run(t, v, 0)
	return reg.Snapshot(), v, ok
}

// value reads an aggregation of key; "count" is a sample count for any type.
func value(snap *metrics.Snapshot, key, agg string) (float64, bool) {
	if agg == "count" {
		mv, ok := snap.Get(key)
		if !ok {
			return 0, false
		}
		return mv.Count, true
	}
	return snap.Aggregate(key, agg, 0)
}

func auth() []plan.KV { return []plan.KV{{Key: "Authorization", Value: "Bearer ${TOKEN}"}} }

// TestWSSpeakerSession runs a speaker's session against mina: five chunks, each waiting for
// its partial, then the final segment captured, a ping and a close. Every ws_* metric and
// the captured text are checked against what mina must have done.
func TestWSSpeakerSession(t *testing.T) {
	t.Parallel()
	base, tok, meeting := minaLive(t, 5)
	p := wsPlan(plan.WS{
		Name: "speaker", URL: plan.Template(fmt.Sprintf("%s/ws/meetings/%d/transcript", base, meeting)),
		Header: auth(), Subprotocols: []string{api.Subprotocol}, Line: 7,
		Steps: []plan.WSStep{
			{Kind: plan.WSExpect, Expect: &plan.WSExpectStep{Name: "ready", Path: "type", Equals: "ready", HasEquals: true, Timeout: 2 * time.Second}},
			{Kind: plan.WSSend, Send: &plan.WSSendStep{Data: "chunk ${__ITER}", Binary: true, Size: 320, Count: 5, Every: 10 * time.Millisecond,
				Reply: &plan.WSExpectStep{Name: "partial", Path: "type", Equals: "partial", HasEquals: true, Timeout: 2 * time.Second}}},
			{Kind: plan.WSExpect, Expect: &plan.WSExpectStep{Name: "final", Path: "type", Equals: "final", HasEquals: true, Timeout: 2 * time.Second,
				Capture: []plan.Capture{{Var: "text", Source: plan.CaptureJSON, Expr: "segment.text"}}}},
			{Kind: plan.WSPing, Ping: &plan.WSPingStep{Timeout: time.Second}},
			{Kind: plan.WSClose, Close: &plan.WSCloseStep{Code: 1000}},
		},
	}, tok)
	start := time.Now()
	snap, v, ok := runWS(t, p)
	if !ok {
		t.Fatal("the session failed")
	}
	// The chunk is "chunk 0" repeated to 320 bytes; mina's word for it, five times.
	chunk := []byte(strings.Repeat("chunk 0", 320/7+1)[:320])
	want := strings.TrimSpace(strings.Repeat(api.Word(chunk)+" ", 5))
	if got := v.vars["text"]; got != want {
		t.Errorf("captured text %q, want %q", got, want)
	}
	tests := []struct {
		key, agg string
		want     float64
	}{
		{"ws_sessions", "count", 1},
		{"ws_connecting", "count", 1},
		{"ws_session_duration", "count", 1},
		{"ws_msgs_sent", "count", 5},
		{"data_sent", "count", 5 * 320},
		{"ws_msgs_received", "count", 7}, // ready, five partials, the final
		{"ws_ping", "count", 1},
		{"ws_msg_latency", "count", 6}, // five replies, and the final after the last send
		{"checks{check:ws connected}", "rate", 1},
		{"checks{check:partial}", "count", 5},
		{"ws_msg_latency{name:speaker}", "count", 6},
		{"checks", "rate", 1},
		{"session_ok", "rate", 1},
		{"ws_sessions{name:speaker}", "count", 1},
	}
	for _, tc := range tests {
		if got, ok := value(snap, tc.key, tc.agg); !ok || got != tc.want {
			t.Errorf("%s %s = %v (%v), want %v", tc.key, tc.agg, got, ok, tc.want)
		}
	}
	// Five sends 10 ms apart take at least 40 ms; the session cannot be shorter.
	if d, _ := snap.Aggregate("ws_session_duration", "max", 0); d < 40 || d > float64(time.Since(start).Milliseconds())+1 {
		t.Errorf("ws_session_duration %v ms, want between 40 ms and the test's own %v", d, time.Since(start))
	}
	if l, _ := snap.Aggregate("ws_msg_latency", "max", 0); l <= 0 || l > 2000 {
		t.Errorf("ws_msg_latency max %v ms", l)
	}
}

// TestWSExpectTimeout: an expect that nothing matches fails its check after its timeout,
// ends the session (the steps after it do not run) and fails the iteration.
func TestWSExpectTimeout(t *testing.T) {
	t.Parallel()
	base, tok, meeting := minaLive(t, 5)
	p := wsPlan(plan.WS{
		Name: "listener", URL: plan.Template(fmt.Sprintf("%s/ws/meetings/%d/transcript", base, meeting)), Header: auth(),
		Steps: []plan.WSStep{
			{Kind: plan.WSExpect, Expect: &plan.WSExpectStep{Name: "never", Regex: `"type":"final"`, Timeout: 300 * time.Millisecond}},
			{Kind: plan.WSPing, Ping: &plan.WSPingStep{Timeout: time.Second}},
		},
	}, tok)
	start := time.Now()
	snap, _, ok := runWS(t, p)
	if ok {
		t.Fatal("the iteration passed; the expect should have timed out")
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 5*time.Second {
		t.Errorf("the session took %v; the expect's timeout is 300ms", el)
	}
	tests := []struct {
		key, agg string
		want     float64
	}{
		{"checks{check:never}", "rate", 0},
		{"ws_sessions", "count", 1},
		{"ws_msgs_received", "count", 1}, // ready, which did not match
		{"session_ok", "rate", 0},
	}
	for _, tc := range tests {
		if got, ok := value(snap, tc.key, tc.agg); !ok || got != tc.want {
			t.Errorf("%s %s = %v (%v), want %v", tc.key, tc.agg, got, ok, tc.want)
		}
	}
	if n, _ := value(snap, "ws_ping", "count"); n != 0 {
		t.Errorf("ws_ping recorded %v samples: the ping after the failed expect must not run", n)
	}
	if n, _ := value(snap, "ws_msg_latency", "count"); n != 0 {
		t.Errorf("ws_msg_latency recorded %v samples without a send", n)
	}
}

// TestWSRefused: a handshake mina refuses (no token) fails the connected check and the
// iteration, and is not counted as a session.
func TestWSRefused(t *testing.T) {
	t.Parallel()
	base, tok, meeting := minaLive(t, 5)
	p := wsPlan(plan.WS{
		Name: "anon", URL: plan.Template(fmt.Sprintf("%s/ws/meetings/%d/transcript", base, meeting)),
		Steps: []plan.WSStep{{Kind: plan.WSPing, Ping: &plan.WSPingStep{Timeout: time.Second}}},
	}, tok)
	snap, _, ok := runWS(t, p)
	if ok {
		t.Fatal("an unauthenticated session passed")
	}
	if r, _ := snap.Aggregate("checks{check:ws connected}", "rate", 0); r != 0 {
		t.Errorf("ws connected rate %v, want 0", r)
	}
	if n, _ := value(snap, "checks{check:ws connected,status:401}", "count"); n != 1 {
		t.Errorf("the refused handshake is not counted with its status 401 (%v)", n)
	}
	if n, _ := value(snap, "ws_sessions", "count"); n != 0 {
		t.Errorf("ws_sessions %v, want 0", n)
	}
}

// TestWSHostNotAllowed: a ws URL to a host off the allowlist is never dialled.
func TestWSHostNotAllowed(t *testing.T) {
	t.Parallel()
	base, tok, meeting := minaLive(t, 5)
	p := wsPlan(plan.WS{Name: "x", URL: plan.Template(fmt.Sprintf("%s/ws/meetings/%d/transcript", base, meeting)), Header: auth(),
		Steps: []plan.WSStep{{Kind: plan.WSPing, Ping: &plan.WSPingStep{Timeout: time.Second}}}}, tok)
	p.Options.Hosts = []string{"example.com"}
	snap, _, ok := runWS(t, p)
	if ok {
		t.Fatal("a session to a host off the allowlist passed")
	}
	if r, _ := snap.Aggregate("checks{check:ws connected}", "rate", 0); r != 0 {
		t.Errorf("ws connected rate %v, want 0", r)
	}
}

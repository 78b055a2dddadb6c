package api

// Live transcription over WebSockets.
//
// # Library: github.com/coder/websocket
//
// coder/websocket (v1.8, maintained by Coder; formerly nhooyr.io/websocket) rather than
// gorilla/websocket: every call takes a context, so a session's reads, writes and pings end
// with the server's shutdown without deadline bookkeeping; Ping waits for its pong, which is
// the keep-alive check; Close runs the close handshake with a status code; writes are safe
// from several goroutines; it works through http.ResponseController's Unwrap chain (mina's
// metrics middleware wraps the ResponseWriter), and it has no dependencies.
//
// # Protocol (docs/mina-api.md has it for clients)
//
//	GET /ws/meetings/{id}/transcript   Authorization: Bearer TOKEN
//	  before the upgrade, as plain JSON errors: 400 bad id, 401 token, 403 cross-origin
//	  (an Origin header that is not the Host), 404 not one of the token user's meetings,
//	  503 the server is shutting down or the meeting has LiveConfig.MaxSessions sessions
//	server → client, text JSON:
//	  {"type":"ready","meeting_id":7}                               once, after the upgrade
//	  {"type":"partial","chunk":12,"text":"alpha bravo"}            to the sender of each chunk
//	  {"type":"final","segment":{"id":…,"meeting_id":7,"seq":3,"text":…,"chunks":5,"created_at":…}}
//	                                                                to every session of the meeting
//	client → server:
//	  binary message: one audio chunk, 1 byte to LiveConfig.MaxChunkBytes
//	  text {"type":"end_segment"}: end the current segment now (ignored when it is empty)
//	close codes from the server:
//	  1000 normal, answering the client's close
//	  1001 the server is shutting down
//	  1008 policy: an unknown or malformed text message, a slow consumer (its outbox of
//	       LiveConfig.Outbox messages was full), the meeting was deleted
//	  1009 a chunk larger than MaxChunkBytes
//	  1011 a segment could not be stored
//	  1013 the server began shutting down (or the meeting filled up) during the handshake
//
// A segment ends every LiveConfig.SegmentChunks chunks or on end_segment; it is stored
// (mina.TranscriptService) before it is broadcast, so a listener never sees a final segment
// that GET /api/meetings/{id}/transcript would not return.
//
// Transcription is a deterministic fake: each chunk becomes one word of a fixed vocabulary,
// chosen by the FNV-1a hash of the chunk's bytes, so a test can compute the expected text.
//
// Every session has a bounded outbox and its own writer goroutine. Broadcasting never waits:
// a session whose outbox is full is closed (1008) and dropped, so a slow listener costs
// nothing to the speaker or to the other listeners. The server pings every session each
// LiveConfig.PingInterval; a session that does not answer within the interval is closed.

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ramp-dev/ramp/internal/mina"
)

// LiveConfig tunes live transcription; zero fields take the defaults below.
type LiveConfig struct {
	// SegmentChunks is how many chunks make a final segment (default 5).
	SegmentChunks int
	// MaxChunkBytes bounds one audio chunk (default 64 KiB); a larger one closes with 1009.
	MaxChunkBytes int64
	// Outbox is how many messages may wait for a slow session before it is dropped (default 32).
	Outbox int
	// MaxSessions bounds the sessions of one meeting (default 100); more get 503.
	MaxSessions int
	// PingInterval is how often the server pings an idle session (default 30s).
	PingInterval time.Duration
	// WriteTimeout bounds one message's write (default 5s).
	WriteTimeout time.Duration
}

// Subprotocol is the WebSocket subprotocol the live endpoint speaks (optional for clients).
const Subprotocol = "mina.transcript.v1"

// Metric families of live transcription.
const (
	MetricLiveSessions = "mina_live_sessions"               // gauge
	MetricLiveMessages = "mina_live_messages_total"         // counter{direction}
	MetricLiveDropped  = "mina_live_dropped_sessions_total" // counter: slow consumers closed
)

func (c LiveConfig) withDefaults() LiveConfig {
	if c.SegmentChunks <= 0 {
		c.SegmentChunks = 5
	}
	if c.MaxChunkBytes <= 0 {
		c.MaxChunkBytes = 64 << 10
	}
	if c.Outbox <= 0 {
		c.Outbox = 32
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 100
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	return c
}

// hub is every live session, by meeting.
type hub struct {
	cfg    LiveConfig
	store  mina.TranscriptService
	ctx    context.Context // cancelled by shutdown: ends every session's reads and writes
	cancel context.CancelFunc

	mu       sync.Mutex
	closing  bool
	meetings map[int64]map[*liveSession]struct{}
	wg       sync.WaitGroup

	sessions prometheus.Gauge
	messages *prometheus.CounterVec
	dropped  prometheus.Counter
	droppedN atomic.Int64
}

func newHub(cfg LiveConfig, store mina.TranscriptService) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &hub{
		cfg: cfg.withDefaults(), store: store, ctx: ctx, cancel: cancel,
		meetings: map[int64]map[*liveSession]struct{}{},
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricLiveSessions, Help: "Open live-transcription WebSocket sessions."}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricLiveMessages, Help: "Live-transcription messages, by direction (in, out)."}, []string{"direction"}),
		dropped:  prometheus.NewCounter(prometheus.CounterOpts{Name: MetricLiveDropped, Help: "Sessions closed because their outbox was full (slow consumers)."}),
	}
}

func (h *hub) collectors() []prometheus.Collector {
	return []prometheus.Collector{h.sessions, h.messages, h.dropped}
}

// liveSession is one connected client of one meeting.
type liveSession struct {
	h       *hub
	conn    *websocket.Conn
	userID  int64
	meeting int64
	out     chan []byte
	once    sync.Once
	done    chan struct{} // closed by close: the writer stops
	closing chan closeReq // a close after the queued messages, for the writer
	wrote   chan struct{} // closed when the writer has returned

	// The current segment (read loop only).
	words  []string
	chunks int // chunks received in the session
}

// admit says whether a session of meeting may open now, or why not (503). join decides for
// good once the session is upgraded; admit lets the refusal be a plain HTTP answer.
func (h *hub) admit(meeting int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.full(meeting)
}

func (h *hub) full(meeting int64) error {
	if h.closing {
		return mina.Errorf(mina.EUNAVAILABLE, "The server is shutting down; reconnect to another instance.")
	}
	if n := len(h.meetings[meeting]); n >= h.cfg.MaxSessions {
		return mina.Errorf(mina.EUNAVAILABLE, "Meeting %d already has %d live sessions.", meeting, n)
	}
	return nil
}

// join adds an upgraded session to its meeting; an error means it must be closed (the server
// began shutting down, or the meeting filled up, since admit).
func (h *hub) join(s *liveSession) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.full(s.meeting); err != nil {
		return err
	}
	m := h.meetings[s.meeting]
	if m == nil {
		m = map[*liveSession]struct{}{}
		h.meetings[s.meeting] = m
	}
	m[s] = struct{}{}
	h.wg.Add(1)
	h.sessions.Inc()
	return nil
}

// leave removes a session that has ended.
func (h *hub) leave(s *liveSession) {
	h.mu.Lock()
	if m := h.meetings[s.meeting]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.meetings, s.meeting)
		}
	}
	h.mu.Unlock()
	h.sessions.Dec()
	h.wg.Done()
}

// broadcast queues msg for every session of a meeting, dropping the ones that are full.
func (h *hub) broadcast(meeting int64, msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.meetings[meeting] {
		s.send(msg)
	}
}

// closeMeeting closes every session of a meeting (it was deleted).
func (h *hub) closeMeeting(meeting int64, code websocket.StatusCode, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.meetings[meeting] {
		s.close(code, reason, true)
	}
}

// shutdown closes every session with 1001 and waits for them, until ctx ends; then it cuts
// the rest without a close handshake.
func (h *hub) shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	var all []*liveSession
	for _, m := range h.meetings {
		for s := range m {
			all = append(all, s)
		}
	}
	h.mu.Unlock()
	for _, s := range all {
		s.close(websocket.StatusGoingAway, "server shutting down", true)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		h.cancel()
		return nil
	case <-ctx.Done():
		h.cancel() // ends every blocked read and write
		for _, s := range all {
			_ = s.conn.CloseNow()
		}
		<-done
		return ctx.Err()
	}
}

// send queues msg without waiting; a full outbox drops the session as a slow consumer.
func (s *liveSession) send(msg []byte) {
	select {
	case <-s.done:
	case s.out <- msg:
	default:
		s.h.dropped.Inc()
		s.h.droppedN.Add(1)
		go s.close(websocket.StatusPolicyViolation, "slow consumer: too many messages waiting", false)
	}
}

// close ends the session once. With flush the messages already queued (a partial, a final)
// are written before the close frame, by the writer; a dropped slow consumer is closed
// without them.
func (s *liveSession) close(code websocket.StatusCode, reason string, flush bool) {
	s.once.Do(func() {
		if flush {
			s.closing <- closeReq{code, reason} // buffered: never waits; the writer closes
			return
		}
		close(s.done)
		_ = s.conn.Close(code, reason)
	})
}

// closeReq asks the writer to close after the queued messages.
type closeReq struct {
	code   websocket.StatusCode
	reason string
}

// writer sends queued messages and pings idle sessions until the session ends.
func (s *liveSession) writer() {
	defer close(s.wrote)
	cfg := s.h.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-s.done:
			return
		case req := <-s.closing:
			for queued := true; queued; {
				select {
				case msg := <-s.out:
					queued = s.write(msg) == nil
				default:
					queued = false
				}
			}
			close(s.done)
			_ = s.conn.Close(req.code, req.reason)
			return
		case msg := <-s.out:
			if err := s.write(msg); err != nil {
				s.close(websocket.StatusPolicyViolation, "write timed out", false)
				return
			}
		case <-ping.C:
			ctx, cancel := context.WithTimeout(s.h.ctx, cfg.PingInterval)
			err := s.conn.Ping(ctx)
			cancel()
			if err != nil {
				s.close(websocket.StatusPolicyViolation, "no pong", false)
				return
			}
		}
	}
}

// write sends one message within the write timeout.
func (s *liveSession) write(msg []byte) error {
	ctx, cancel := context.WithTimeout(s.h.ctx, s.h.cfg.WriteTimeout)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return err
	}
	s.h.messages.WithLabelValues("out").Inc()
	return nil
}

// liveTranscript upgrades GET /ws/meetings/{id}/transcript once the token and the meeting
// are checked, then runs the session until it ends.
func (s *Server) liveTranscript(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Meetings.Meeting(r.Context(), u.ID, id); err != nil {
		return err
	}
	h := s.live
	if err := h.admit(id); err != nil {
		return err
	}
	// The server's read and write timeouts were set on the connection for a request; a
	// session outlives them, and its own pings and write timeouts take over.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{Subprotocol},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil // Accept has answered (403 cross-origin, 400 not a handshake)
	}
	conn.SetReadLimit(h.cfg.MaxChunkBytes)
	sess := &liveSession{h: h, conn: conn, userID: u.ID, meeting: id, out: make(chan []byte, h.cfg.Outbox),
		done: make(chan struct{}), closing: make(chan closeReq, 1), wrote: make(chan struct{})}
	if err := h.join(sess); err != nil {
		_ = conn.Close(websocket.StatusTryAgainLater, "server shutting down or meeting full")
		return nil
	}
	go sess.writer()
	sess.send(mustJSON(map[string]any{"type": "ready", "meeting_id": id}))
	sess.run()
	sess.close(websocket.StatusNormalClosure, "", true)
	<-sess.wrote
	h.leave(sess)
	return nil
}

// run reads the client's messages until the session ends.
func (s *liveSession) run() {
	for {
		typ, b, err := s.conn.Read(s.h.ctx)
		if err != nil {
			return // closed by the client, by us, or (a chunk above the read limit) with 1009 by the library
		}
		s.h.messages.WithLabelValues("in").Inc()
		if typ == websocket.MessageBinary {
			if !s.chunk(b) {
				return
			}
			continue
		}
		var m struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(b, &m) != nil || m.Type != "end_segment" {
			s.close(websocket.StatusPolicyViolation, `unknown message; send audio as binary or {"type":"end_segment"}`, true)
			return
		}
		if len(s.words) > 0 && !s.final() {
			return
		}
	}
}

// vocabulary is what the fake transcription says.
var vocabulary = strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo
	lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu`)

// Word is the fake transcription of one audio chunk: a word of a fixed vocabulary chosen by
// the FNV-1a hash of its bytes.
func Word(chunk []byte) string {
	f := fnv.New32a()
	f.Write(chunk)
	return vocabulary[f.Sum32()%uint32(len(vocabulary))]
}

// chunk transcribes one audio chunk: a partial to the sender, and a final segment to every
// session when the segment is full. False when the session must end.
func (s *liveSession) chunk(b []byte) bool {
	s.chunks++
	s.words = append(s.words, Word(b))
	s.send(mustJSON(map[string]any{"type": "partial", "chunk": s.chunks, "text": strings.Join(s.words, " ")}))
	if len(s.words) >= s.h.cfg.SegmentChunks {
		return s.final()
	}
	return true
}

// final stores the current segment and broadcasts it.
func (s *liveSession) final() bool {
	seg := &mina.TranscriptSegment{MeetingID: s.meeting, Text: strings.Join(s.words, " "), Chunks: len(s.words)}
	s.words = s.words[:0]
	ctx, cancel := context.WithTimeout(s.h.ctx, 5*time.Second)
	defer cancel()
	if err := s.h.store.AddSegment(ctx, s.userID, seg); err != nil {
		if mina.ErrorCode(err) == mina.ENOTFOUND {
			s.h.closeMeeting(s.meeting, websocket.StatusPolicyViolation, "the meeting was deleted")
		} else {
			s.close(websocket.StatusInternalError, "the segment could not be stored", true)
		}
		return false
	}
	s.h.broadcast(s.meeting, mustJSON(map[string]any{"type": "final", "segment": seg}))
	return true
}

// mustJSON encodes a message built of maps, strings, numbers and mina types, whose encoding
// cannot fail.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// transcript answers GET /api/meetings/{id}/transcript?after=&limit=.
func (s *Server) transcript(w http.ResponseWriter, r *http.Request, u *mina.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	after, err := queryInt(q, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := queryInt(q, "limit", mina.DefaultTranscriptLimit, 1, mina.MaxTranscriptLimit)
	if err != nil {
		return err
	}
	tr, err := s.cfg.Transcripts.Transcript(r.Context(), u.ID, id, mina.TranscriptPage{After: int64(after), Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tr)
}

// LiveDropped counts the live sessions closed as slow consumers.
func (s *Server) LiveDropped() int64 {
	if s.live == nil {
		return 0
	}
	return s.live.droppedN.Load()
}

// CloseLive closes every live session with 1001 (going away) and refuses new ones, waiting
// for their close handshakes until ctx ends. Call it before http.Server.Shutdown, which does
// not track upgraded connections.
func (s *Server) CloseLive(ctx context.Context) error {
	if s.live == nil {
		return nil
	}
	return s.live.shutdown(ctx)
}

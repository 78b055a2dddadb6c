package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ramp-dev/ramp/internal/mina"
)

// TestCloseEndsLiveSessions: closing mina (what SIGTERM does) closes every live session with
// 1001 (going away) before the server stops, and within the shutdown timeout: an upgraded
// connection is not one http.Server.Shutdown would wait for or close.
func TestCloseEndsLiveSessions(t *testing.T) {
	t.Parallel()
	m := newMain(t, nil)
	u, tok, err := m.DB.CreateUser(t.Context(), "live@example.com", "live")
	if err != nil {
		t.Fatal(err)
	}
	mt := &mina.Meeting{UserID: u.ID, Title: "standup", StartsAt: time.Now(), DurationMinutes: 15}
	if err := m.DB.CreateMeeting(t.Context(), mt); err != nil {
		t.Fatal(err)
	}
	url := strings.Replace(m.URL(), "http://", "ws://", 1) + fmt.Sprintf("/ws/meetings/%d/transcript", mt.ID)
	conn, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if _, _, err := conn.Read(t.Context()); err != nil { // ready
		t.Fatal(err)
	}
	codes := make(chan websocket.StatusCode, 1)
	go func() {
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				codes <- websocket.CloseStatus(err)
				return
			}
		}
	}()
	start := time.Now()
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Close took %v with one idle live session", el)
	}
	select {
	case c := <-codes:
		if c != websocket.StatusGoingAway {
			t.Fatalf("close code %v, want 1001", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the live session was not closed")
	}
}

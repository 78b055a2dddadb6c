package flow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/flow"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/scenario"
)

// scenarioYAML is a user-facing scenario file: setup captures a list, each iteration creates
// a meeting with typed JSON fields, reads it back in a group, then updates or deletes it by
// weight, authenticated with a feeder's token.
const scenarioYAML = `
data:
  users: { file: tokens.csv, mode: unique-per-vu }
scenarios:
  write:
    executor: per-vu-iterations
    vus: 2
    iterations: 5
    exec: journey
    tags: { test: write }
setup:
  - request:
      url: ${BASE_URL}/api/meetings
      capture: [ { json: "meetings.#.id", as: seed_ids, all: true } ]
flows:
  journey:
    - request:
        name: create
        method: POST
        url: ${BASE_URL}/api/meetings
        headers: { Authorization: "Bearer ${users.token}" }
        json:
          title: "Load test ${uuid()}"
          duration_minutes: "${randomInt(15,90)}"
          related: "${seed_ids}"
          first_related: "${seed_ids[0]}"
          private: false
        expect: [201]
        checks:
          - status: 201
          - json_path: meeting.id
        capture:
          - { json: meeting.id, as: meeting_id }
    - group:
        name: read
        steps:
          - request:
              name: get
              url: ${BASE_URL}/api/meetings/${meeting_id}
              query: { fields: "title" }
              checks: [ { json_path: { path: title, equals: "ok" } } ]
    - pick:
        - weight: 1
          request: { name: update, method: PUT, url: "${BASE_URL}/api/meetings/${meeting_id}", json: { title: renamed } }
        - weight: 1
          request: { name: delete, method: DELETE, url: "${BASE_URL}/api/meetings/${meeting_id}", expect: [204] }
        - weight: 0
          think: 1h
`

// compiledAPI checks what the scenario sends: the token, the body's JSON types, and that
// every PUT, GET and DELETE names a meeting it created.
type compiledAPI struct {
	mu       sync.Mutex
	next     int
	created  map[string]string // id → token that created it
	problems []string
	counts   map[string]int
}

func (a *compiledAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counts[r.Method]++
	fail := func(format string, args ...any) {
		a.problems = append(a.problems, fmt.Sprintf(r.Method+" "+r.URL.Path+": "+format, args...))
		http.Error(w, "bad", http.StatusBadRequest)
	}
	if r.URL.Path == "/api/meetings" && r.Method == http.MethodGet {
		fmt.Fprint(w, `{"meetings":[{"id":101},{"id":102}]}`)
		return
	}
	if r.URL.Path == "/api/meetings" && r.Method == http.MethodPost {
		var body struct {
			Title           string  `json:"title"`
			DurationMinutes float64 `json:"duration_minutes"` // a number, not "42"
			Related         []int   `json:"related"`
			FirstRelated    int     `json:"first_related"`
			Private         *bool   `json:"private"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			fail("body %s: %v", raw, err)
			return
		}
		if !strings.HasPrefix(body.Title, "Load test ") || body.DurationMinutes < 15 || body.DurationMinutes > 90 ||
			len(body.Related) != 2 || body.FirstRelated != 101 || body.Private == nil || *body.Private {
			fail("unexpected body %s", raw)
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok != "tok-1" && tok != "tok-2" {
			fail("token %q", tok)
			return
		}
		a.next++
		id := fmt.Sprintf("%d", 1000+a.next)
		a.created[id] = tok
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"meeting":{"id":%s}}`, id)
		return
	}
	id, _ := strings.CutPrefix(r.URL.Path, "/api/meetings/")
	if _, ok := a.created[id]; !ok {
		fail("unknown meeting %q", id)
		return
	}
	switch r.Method {
	case http.MethodGet:
		if r.URL.Query().Get("fields") != "title" {
			fail("query %q", r.URL.RawQuery)
			return
		}
		fmt.Fprint(w, `{"title":"ok"}`)
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPut:
		fmt.Fprint(w, `{}`)
	}
}

func TestCompiledScenarioRuns(t *testing.T) {
	t.Parallel()
	api := &compiledAPI{created: map[string]string{}, counts: map[string]int{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	file := filepath.Join(dir, "journey.yaml")
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte("user_id,token\n1,tok-1\n2,tok-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := scenario.Compile(file, []byte(scenarioYAML), map[string]string{"BASE_URL": srv.URL}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	reg, err := metrics.NewRegistry(metrics.Config{Submetrics: []string{"session_ok{test:write}"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	s, err := flow.NewShared(p, reg)
	if err != nil {
		t.Fatalf("NewShared: %v", err)
	}
	// One context for the whole run, as the executor gives a VU; bounded so that a wrongly
	// taken "think: 1h" branch fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	data, ok, err := s.RunOnce(ctx, "setup", p.Setup)
	if err != nil || !ok {
		t.Fatalf("setup: ok %v, err %v", ok, err)
	}
	s.SetSetupData(data)
	journey := p.Flows[p.Scenarios[0].Exec]
	for id := 1; id <= 2; id++ {
		v, err := s.NewVU(id)
		if err != nil {
			t.Fatal(err)
		}
		for i := range int64(5) {
			if !v.Run(ctx, journey, flow.Iteration{Scenario: "write", VUIter: i}) {
				t.Errorf("VU %d iteration %d failed (skipped: %v)", id, i, s.SkipReasons())
			}
		}
		if err := v.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := s.NewVU(3); err == nil {
		t.Error("NewVU(3) with two unique-per-vu rows succeeded")
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, p := range api.problems {
		t.Error(p)
	}
	if api.counts["POST"] != 10 || api.counts["GET"] != 11 || api.counts["PUT"]+api.counts["DELETE"] != 10 {
		t.Errorf("requests by method = %v, want 10 POST, 11 GET (one in setup), 10 PUT or DELETE", api.counts)
	}
	perToken := map[string]int{}
	for _, tok := range api.created {
		perToken[tok]++
	}
	if perToken["tok-1"] != 5 || perToken["tok-2"] != 5 {
		t.Errorf("meetings per token = %v, want 5 each (one row per VU)", perToken)
	}
	snap := reg.Snapshot()
	if got, ok := snap.Aggregate("session_ok{test:write}", "rate", 0); !ok || got != 1 {
		t.Errorf("session_ok{test:write} = %v, %v; want 1", got, ok)
	}
	if got, ok := snap.Aggregate("group_duration{group:::read}", "avg", 0); !ok || got <= 0 {
		t.Errorf("group_duration{group:::read} = %v, %v; want samples", got, ok)
	}
}

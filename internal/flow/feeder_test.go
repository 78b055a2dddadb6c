package flow

import (
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ramp-dev/ramp/internal/plan"
)

// tokenServer records the token query parameter of every request, in arrival order.
type tokenServer struct {
	mu   sync.Mutex
	seen []string
}

func (ts *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.seen = append(ts.seen, r.URL.Query().Get("t"))
}

func (ts *tokenServer) tokens() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.seen...)
}

// feederPlan reads ${users.token} from a feeder of the given file and mode.
func feederPlan(t *testing.T, url, path string, mode plan.FeederMode) *plan.Plan {
	p := onePlan(req(plan.Request{URL: plan.Template(url + "/?t=${users.token}")}))
	p.Data = []plan.Feeder{{Name: "users", Path: path, Mode: mode}}
	return p
}

const usersCSV = "token,user_id\ntok-a,1\ntok-b,2\ntok-c,3\n"

func TestFeederSequential(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{}
	srv := server(t, ts.ServeHTTP)
	s, _ := newShared(t, feederPlan(t, srv.URL, writeFile(t, "users.csv", usersCSV), plan.FeedSequential))
	v1, v2 := newVU(t, s, 1), newVU(t, s, 2)
	for i := range int64(4) {
		run(t, v1, i)
		run(t, v2, i)
	}
	// Rows are handed out in order across VUs, wrapping after the last.
	want := []string{"tok-a", "tok-b", "tok-c", "tok-a", "tok-b", "tok-c", "tok-a", "tok-b"}
	if got := ts.tokens(); !reflect.DeepEqual(got, want) {
		t.Errorf("tokens = %v, want %v", got, want)
	}
}

func TestFeederRandomCoversRows(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{}
	srv := server(t, ts.ServeHTTP)
	json := `[{"token":"tok-a"},{"token":"tok-b"},{"token":"tok-c"},{"token":"tok-d"}]`
	s, _ := newShared(t, feederPlan(t, srv.URL, writeFile(t, "users.json", json), plan.FeedRandom))
	v := newVU(t, s, 1)
	for i := range int64(60) {
		run(t, v, i)
	}
	counts := map[string]int{}
	for _, tok := range ts.tokens() {
		counts[tok]++
	}
	// 60 draws over 4 rows: each row is missed with probability (3/4)^60 ≈ 3e-8.
	if len(counts) != 4 {
		t.Errorf("rows drawn = %v, want all 4", counts)
	}
	if counts["tok-a"] == 60 || counts[""] > 0 {
		t.Errorf("rows drawn = %v: not random, or an empty token", counts)
	}
}

func TestFeederUniquePerVU(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{}
	srv := server(t, ts.ServeHTTP)
	path := writeFile(t, "users.csv", usersCSV)
	s, _ := newShared(t, feederPlan(t, srv.URL, path, plan.FeedUniqueVU))
	for id := 3; id >= 1; id-- {
		v := newVU(t, s, id)
		run(t, v, 0)
		run(t, v, 1)
	}
	// Each VU keeps its own row for every iteration: VU n reads row n-1.
	want := []string{"tok-c", "tok-c", "tok-b", "tok-b", "tok-a", "tok-a"}
	if got := ts.tokens(); !reflect.DeepEqual(got, want) {
		t.Errorf("tokens = %v, want %v", got, want)
	}
	_, err := s.NewVU(4)
	wantErr := "data users: 3 rows for 4 VUs — unique-per-vu needs one row per VU"
	if err == nil || err.Error() != wantErr {
		t.Errorf("NewVU(4) error = %v, want %q", err, wantErr)
	}
}

func TestFeederLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, content string
		mode                plan.FeederMode
		want                string // fragments of the error, which names the file
	}{
		// An empty CSV has no header.
		{"empty csv", "u.csv", "", plan.FeedSequential, "needs a header row"},
		// A header without rows.
		{"no rows", "u.csv", "token\n", plan.FeedSequential, "has no data rows"},
		// A row with a missing field.
		{"ragged", "u.csv", "a,b\n1,2\n3\n", plan.FeedSequential, "wrong number of fields"},
		// Duplicate column names.
		{"duplicate column", "u.csv", "a,a\n1,2\n", plan.FeedSequential, `column "a" appears twice`},
		// JSON that is not an array.
		{"json object", "u.json", `{"token":"x"}`, plan.FeedSequential, "want a JSON array of objects"},
		// An array element that is not an object.
		{"json scalar", "u.json", `[{"a":1}, 2]`, plan.FeedSequential, "element 1 is a number, want an object"},
		// Broken JSON.
		{"json syntax", "u.json", `[{"a":1}`, plan.FeedSequential, "want a JSON array"},
		// An unknown mode.
		{"mode", "u.csv", usersCSV, "round-robin", `unknown mode "round-robin"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tc.file, tc.content)
			_, err := NewShared(feederPlan(t, "http://127.0.0.1:1", path, tc.mode), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "data users") {
				t.Fatalf("error = %v, want one naming data users and saying %q", err, tc.want)
			}
			if tc.mode == plan.FeedSequential && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should name the file %s", err, path)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		_, err := NewShared(feederPlan(t, "http://127.0.0.1:1", "/nonexistent/tokens.csv", plan.FeedRandom), nil)
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/tokens.csv") {
			t.Errorf("error = %v, want one naming the file", err)
		}
	})
}

func TestFeederCSVQuotingAndBOM(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{}
	srv := server(t, ts.ServeHTTP)
	csv := "\xef\xbb\xbftoken\n\"a,b \"\"c\"\"\"\n"
	s, _ := newShared(t, feederPlan(t, srv.URL, writeFile(t, "q.csv", csv), plan.FeedSequential))
	run(t, newVU(t, s, 1), 0)
	if got := ts.tokens(); len(got) != 1 || got[0] != `a,b "c"` {
		t.Errorf("token = %q, want the quoted CSV field, query-escaped on the wire and decoded by the server", got)
	}
}

func TestFeederUnknownColumnIsAnError(t *testing.T) {
	t.Parallel()
	p := onePlan(req(plan.Request{URL: "http://127.0.0.1:1/?t=${users.tokn}"}))
	p.Data = []plan.Feeder{{Name: "users", Path: writeFile(t, "u.csv", usersCSV), Mode: plan.FeedRandom}}
	_, err := NewShared(p, nil)
	want := `data users has no column "tokn" (its columns: token, user_id)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to say %s", err, want)
	}
}

func TestFeederSequentialConcurrentVUs(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{}
	srv := server(t, ts.ServeHTTP)
	s, _ := newShared(t, feederPlan(t, srv.URL, writeFile(t, "users.csv", usersCSV), plan.FeedSequential))
	var wg sync.WaitGroup
	for id := 1; id <= 4; id++ {
		v := newVU(t, s, id)
		wg.Go(func() {
			for i := range int64(15) {
				run(t, v, i)
			}
		})
	}
	wg.Wait()
	counts := map[string]int{}
	for _, tok := range ts.tokens() {
		counts[tok]++
	}
	// 60 iterations over 3 rows, handed out in turn: 20 each, whatever the interleaving.
	if want := map[string]int{"tok-a": 20, "tok-b": 20, "tok-c": 20}; !reflect.DeepEqual(counts, want) {
		t.Errorf("rows used = %v, want %v", counts, want)
	}
}

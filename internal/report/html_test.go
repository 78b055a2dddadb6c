package report

import (
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/verdict"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// renderHTML renders s and parses the page, failing the test on an error or on markup that
// is not well formed (see checkWellFormed).
func renderHTML(t *testing.T, s *Suite) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, s); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	checkWellFormed(t, b.String())
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return b.String(), doc
}

// voidElements have no end tag in HTML.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkWellFormed tokenizes the page and checks what a browser would silently repair: a
// doctype first, every element closed in order (SVG elements closed or self-closing), no
// duplicate ids, and every in-page link pointing at an id that exists.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	var stack []string
	ids, hrefs := map[string]int{}, []string{}
	first := true
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("tokenizer: %v", z.Err())
			}
			break
		}
		tok := z.Token()
		if first && tt != html.TextToken {
			if tt != html.DoctypeToken {
				t.Errorf("page starts with %v %q, want the doctype", tt, tok.Data)
			}
			first = false
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range tok.Attr {
				switch a.Key {
				case "id":
					ids[a.Val]++
				case "href":
					hrefs = append(hrefs, a.Val)
				}
			}
			if tt == html.StartTagToken && !voidElements[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Fatalf("end tag </%s> does not close the open element (open: %v)", tok.Data, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("elements left open: %v", stack)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	for _, h := range hrefs {
		if !strings.HasPrefix(h, "#") {
			t.Errorf("link %q leaves the page: the report must work offline", h)
		} else if ids[h[1:]] == 0 {
			t.Errorf("link %q points at no id", h)
		}
	}
}

// find returns the elements under n for which match holds, in document order.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func byClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return hasClass(n, class) }
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return attr(n, "id") == id }
}

// text is the text content of n.
func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

func TestWriteHTMLSuite(t *testing.T) {
	t.Parallel()
	suite := minaSuite()
	page, doc := renderHTML(t, suite)

	t.Run("self-contained", func(t *testing.T) {
		t.Parallel()
		if n := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script || n.DataAtom == atom.Link }); len(n) > 0 {
			t.Errorf("found %d <script>/<link> elements: the page must carry everything inline", len(n))
		}
		if n := find(doc, func(n *html.Node) bool { return attr(n, "src") != "" }); len(n) > 0 {
			t.Errorf("found %d elements with src: nothing may be fetched at view time", len(n))
		}
		if strings.Contains(page, "url(") || strings.Contains(page, "@import") {
			t.Error("the stylesheet refers to an outside resource")
		}
		if styles := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Style }); len(styles) != 1 || !strings.Contains(text(styles[0]), ".badge") {
			t.Error("the embedded stylesheet is not inlined")
		}
	})

	t.Run("verdict", func(t *testing.T) {
		t.Parallel()
		v := find(doc, byID("verdict"))
		if len(v) != 1 || text(v[0]) != "FAIL" || !hasClass(v[0], "fail") {
			t.Fatalf("verdict badge: want one FAIL badge, the suite has a failing test")
		}
	})

	t.Run("tests table", func(t *testing.T) {
		t.Parallel()
		tables := find(doc, byClass("tests"))
		if len(tables) != 1 {
			t.Fatalf("%d tests tables", len(tables))
		}
		rows := find(tables[0], func(n *html.Node) bool { return n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody })
		if len(rows) != len(suite.Tests) {
			t.Fatalf("%d rows, want %d", len(rows), len(suite.Tests))
		}
		for i, row := range rows {
			tt := suite.Tests[i]
			badge := find(row, byClass("badge"))
			want := strings.ToUpper(tt.Summary.Verdict)
			if len(badge) != 1 || text(badge[0]) != want {
				t.Errorf("row %d (%s): want one %s badge", i, tt.Name, want)
			}
			cells := find(row, func(n *html.Node) bool { return n.DataAtom == atom.Td })
			// A failed test's notes say which SLOs it broke; a passed test's name none.
			if notes := text(cells[len(cells)-1]); tt.Pass == strings.Contains(notes, "failed:") ||
				(tt.Name == "api_write_load" && !strings.Contains(notes, "http_req_duration p(95)<1200")) {
				t.Errorf("row %d (%s): notes %q", i, tt.Name, notes)
			}
			if len(cells) != 11 || text(cells[0]) != tt.Name || text(cells[3]) != fmtInt(tt.Summary.Metrics.RequestsTotal) {
				t.Errorf("row %d: cells %q do not show the test's name and request count", i, text(row))
			}
		}
	})

	t.Run("slo matrix", func(t *testing.T) {
		t.Parallel()
		matrix := find(doc, byClass("matrix"))
		if len(matrix) != 1 {
			t.Fatalf("%d matrices", len(matrix))
		}
		// One row per distinct SLO: threshold metric + aggregation, criterion name.
		want := map[string]bool{}
		for _, tt := range suite.Tests {
			for _, th := range tt.Summary.Thresholds {
				agg := th.Expression[:strings.IndexAny(th.Expression, "<>=!")]
				want["threshold "+th.Metric+" "+agg] = true
			}
			for _, c := range tt.Summary.Criteria {
				want["criterion "+c.Name] = true
			}
		}
		rows := find(matrix[0], func(n *html.Node) bool { return n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody })
		got := map[string]bool{}
		for _, row := range rows {
			head := find(row, func(n *html.Node) bool { return n.DataAtom == atom.Th })
			got[strings.Join(strings.Fields(text(head[0])), " ")] = true
			if cells := find(row, byClass("cell")); len(cells) != len(suite.Tests) {
				t.Errorf("row %q has %d cells, want one per test", text(head[0]), len(cells))
			}
		}
		if len(rows) != len(want) {
			t.Errorf("%d rows, want %d: %v", len(rows), len(want), got)
		}
		for k := range want {
			if !got[k] {
				t.Errorf("no row %q (rows: %v)", k, got)
			}
		}
		// The write test's p95 row: over its SLO, red; the mixed test has no p50 SLO: "—".
		for _, row := range rows {
			label := strings.Join(strings.Fields(text(row.FirstChild)), " ")
			cells := find(row, byClass("cell"))
			switch label {
			case "threshold http_req_duration p(95)":
				if !hasClass(cells[1], "fail") || !strings.Contains(text(cells[1]), "p(95)<1200") {
					t.Errorf("api_write_load p95 cell %q: want a failed cell with its target", text(cells[1]))
				}
				if !hasClass(cells[0], "pass") || !strings.Contains(text(cells[0]), "p(95)<800") {
					t.Errorf("api_read_load p95 cell %q: want a passed cell with its target", text(cells[0]))
				}
			case "threshold http_req_duration p(50)":
				if !hasClass(cells[2], "none") || text(cells[2]) != "—" {
					t.Errorf("mixed_workload p50 cell %q: want —, the test sets no p50 SLO", text(cells[2]))
				}
			case "criterion average session duration":
				if !hasClass(cells[2], "warn") {
					t.Errorf("a warned criterion is not amber: %v", cells[2].Attr)
				}
			}
		}
	})

	t.Run("charts", func(t *testing.T) {
		t.Parallel()
		for _, tt := range suite.Tests {
			sec := find(doc, byID("test-"+tt.Name))
			if len(sec) != 1 {
				t.Fatalf("no section for %s", tt.Name)
			}
			svgs := find(sec[0], func(n *html.Node) bool { return n.DataAtom == atom.Svg })
			want := 5 // rate, latency, errors, VUs, distribution
			if maxPtr(tt.Summary.Series.TargetRPS) > 0 && len(tt.Summary.Series.IterationsPS) > 0 {
				want++ // iterations against the target iteration rate
			}
			for _, m := range tt.Summary.Monitors {
				if m.Error == "" {
					want++
				}
			}
			if len(svgs) != want {
				t.Errorf("%s: %d charts, want %d", tt.Name, len(svgs), want)
			}
			for _, svg := range svgs {
				title := attr(svg, "aria-label")
				marks := find(svg, func(n *html.Node) bool {
					return (hasClass(n, "series") || hasClass(n, "bar")) && len(attr(n, "d")) > 10
				})
				if len(marks) == 0 {
					t.Errorf("%s: chart %q draws no line or bar", tt.Name, title)
				}
				if len(find(svg, byClass("tick"))) < 4 {
					t.Errorf("%s: chart %q has no axis ticks", tt.Name, title)
				}
			}
		}
		// The read test's latency chart: three percentile lines and three dashed SLO lines.
		sec := find(doc, byID("test-api_read_load"))[0]
		lat := find(sec, func(n *html.Node) bool { return attr(n, "aria-label") == "Latency percentiles" })
		if len(lat) != 1 || len(find(lat[0], byClass("series"))) != 3 || len(find(lat[0], byClass("ref"))) != 3 {
			t.Error("latency chart: want p50/p95/p99 lines and three SLO lines")
		}
		// A gap in p99 (the first interval had no p99) starts the line at the second point.
		p99 := find(lat[0], func(n *html.Node) bool { return attr(n, "stroke") == colorP99 && hasClass(n, "series") })
		if len(p99) != 1 || strings.Count(attr(p99[0], "d"), "M") != 1 || strings.Count(attr(p99[0], "d"), "L") != fixturePoints-2 {
			t.Errorf("p99 path: want one run of %d points", fixturePoints-1)
		}
	})

	// The breakdowns and the axes: an endpoints table by name, a checks table, the phases;
	// SLO lines far above sub-millisecond latencies named in a note rather than drawn; a
	// share's axis stopping at 100%; per-second ticks written "/s"; iterations drawn against
	// a target of iterations.
	t.Run("breakdowns and axes", func(t *testing.T) {
		t.Parallel()
		read := find(doc, byID("test-api_read_load"))[0]
		eps := find(read, byClass("endpoints"))
		if len(eps) != 1 {
			t.Fatalf("api_read_load: %d endpoints tables", len(eps))
		}
		rows := find(eps[0], func(n *html.Node) bool { return n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody })
		if len(rows) != 4 || !strings.HasPrefix(text(rows[0]), "meetings_list41,230137/s") || !strings.Contains(text(rows[2]), "3 (0.0147%)") {
			t.Errorf("endpoints rows: %d, first %q", len(rows), text(rows[0]))
		}
		if c := find(read, byClass("checks-table")); len(c) != 1 || !strings.Contains(text(c[0]), "status is 200101,8603") {
			t.Error("api_read_load: no checks table with its passes and fails")
		}
		if p := find(read, byClass("phases")); len(p) != 1 || !strings.Contains(text(p[0]), "waiting27.4 ms") {
			t.Error("api_read_load: no phases table")
		}
		for _, tick := range find(read, byClass("tick")) {
			if strings.Contains(text(tick), "per_second") {
				t.Errorf("a tick reads %q", text(tick))
			}
		}
		// The hit ratio runs 97–100%: its axis ends at 100%, not at 150%.
		ratio := find(read, func(n *html.Node) bool { return attr(n, "aria-label") == "redis.hit_ratio" })[0]
		var topShare float64
		for _, tick := range find(ratio, byClass("tick")) {
			if v, err := strconv.ParseFloat(strings.TrimSuffix(text(tick), "%"), 64); err == nil && strings.HasSuffix(text(tick), "%") {
				topShare = max(topShare, v)
			}
		}
		if topShare != 100 {
			t.Errorf("the hit ratio's axis tops at %g%%, want 100%%", topShare)
		}
		hits := find(read, func(n *html.Node) bool { return attr(n, "aria-label") == "app.cache_hits_per_second" })[0]
		for _, tick := range find(hits, func(n *html.Node) bool { return hasClass(n, "tick") && attr(n, "text-anchor") == "end" }) {
			if !strings.HasSuffix(text(tick), "/s") { // the y ticks; the x ticks are times
				t.Errorf("a per-second tick reads %q", text(tick))
			}
		}
		slo := find(doc, byID("test-slo_verification"))[0]
		lat := find(slo, func(n *html.Node) bool { return attr(n, "aria-label") == "Latency percentiles" })[0]
		if len(find(lat, byClass("ref"))) != 0 {
			t.Error("slo_verification: SLO lines of 300–1,500 ms drawn over sub-millisecond latencies")
		}
		if note := find(slo, byClass("chart-note")); len(note) != 1 || !strings.Contains(text(note[0]), "p95 SLO 800 ms") {
			t.Error("slo_verification: no note naming the SLOs far above the data")
		}
		// The write test's p99 reaches 50 times its smallest p50: a logarithmic axis, said in
		// its label; the read test's spread is narrower and stays linear.
		write := find(doc, byID("test-api_write_load"))[0]
		wlat := find(write, func(n *html.Node) bool { return attr(n, "aria-label") == "Latency percentiles" })[0]
		if !hasClass(wlat, "log") || !strings.Contains(text(wlat), "ms (log scale)") {
			t.Error("api_write_load: latencies spanning 50× are not on a log axis")
		}
		rlat := find(read, func(n *html.Node) bool { return attr(n, "aria-label") == "Latency percentiles" })[0]
		if hasClass(rlat, "log") {
			t.Error("api_read_load: a log axis for latencies spanning less than 50×")
		}
		it := find(write, func(n *html.Node) bool { return strings.HasPrefix(attr(n, "aria-label"), "Iteration rate vs target") })
		if len(it) != 1 || !strings.Contains(text(it[0]), "target iterations/s") {
			t.Fatal("api_write_load: no chart of iterations against the target iteration rate")
		}
		// 30 iterations/s intended at capacity: the chart's top tick is near 30, not near
		// the 150 requests/s those iterations send.
		var top float64
		for _, tick := range find(it[0], byClass("tick")) {
			if v, err := strconv.ParseFloat(strings.TrimSuffix(text(tick), "/s"), 64); err == nil && strings.HasSuffix(text(tick), "/s") {
				top = max(top, v)
			}
		}
		if top < 30 || top > 50 {
			t.Errorf("api_write_load iteration chart tops at %g/s, want about 30", top)
		}
	})

	t.Run("warnings and recommendations", func(t *testing.T) {
		t.Parallel()
		write := find(doc, byID("test-api_write_load"))[0]
		banners := find(write, byClass("banner"))
		if len(banners) != 1 || !strings.Contains(text(banners[0]), "not delivered") {
			t.Errorf("api_write_load: want the load-not-delivered banner, got %d banners", len(banners))
		}
		recs := text(find(write, byClass("recommendations"))[0])
		for _, want := range []string{"maxVUs", "1050 ×123", "status 503 ×40", "create_meeting"} {
			if !strings.Contains(recs, want) {
				t.Errorf("api_write_load recommendations lack %q: %s", want, recs)
			}
		}
		if !strings.Contains(text(write), "connection refused") {
			t.Error("a monitor that could not read its source does not say why")
		}
		slo := find(doc, byID("test-slo_verification"))[0]
		if len(find(slo, byClass("banner"))) != 0 || !strings.Contains(text(slo), "headroom") {
			t.Error("slo_verification: want no banner and a headroom note")
		}
	})
}

func TestWriteHTMLEdgeCases(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name  string
		suite *Suite
		want  []string // texts the page must contain
	}{
		// A test whose summary file was missing: listed, without figures.
		{"missing summary", NewSuite("", "", false, false, false, verdict.Combine(nil, nil), []SuiteTest{{Name: "lost"}}),
			[]string{"NO DATA", "No summary was found", "INCONCLUSIVE"}},
		// A run with no series, no distribution, no monitors: notes instead of empty axes.
		{"no data", SingleTestSuite("empty", &Summary{Pass: true, Verdict: "pass", Load: Load{Delivered: true}}),
			[]string{"PASS", "Charts over time: no data", "Latency distribution: no data"}},
		// Each stage has its own row: what was asked and what ran.
		{"stages", SingleTestSuite("staged", &Summary{Verdict: "pass", Stages: []StageResult{
			{Scenario: "capacity", StartSeconds: 31.5, EndSeconds: 40.5, Target: 1000, TargetUnit: "iterations/s", Requests: 8996, RPS: 999.56, P95: fp(0.63)},
			{Scenario: "idle", Index: 1, Target: 5, TargetUnit: "VUs"}}}),
			[]string{"Stages", "capacity", fmtNum(1000) + " iterations/s", fmtNum(999.56), "idle", "—"}},
		// A distributed run has a row per segment and per region, a late one said so.
		{"segments", SingleTestSuite("merged", &Summary{Verdict: "pass",
			Segments: []PartResult{{Name: "segment 0:1/2", Requests: 500, RPS: 50, P95: fp(1.5)}, {Name: "segment 1/2:1", Requests: 500, RPS: 50, LateSeconds: 1.2}},
			Regions:  []PartResult{{Name: "region eu-west", Requests: 1000, RPS: 100}}}),
			[]string{"Segments", "segment 0:1/2", "segment 1/2:1", "late", "Regions", "region eu-west"}},
		// An inconclusive run says so, with why, and never PASS.
		{"inconclusive", SingleTestSuite("short", &Summary{Verdict: "inconclusive", Load: Load{IterationsScheduled: 100, IterationsDropped: 45},
			VerdictReasons: []verdict.Reason{{Status: verdict.Inconclusive, Text: "intended load not delivered: 45 of 100 scheduled iterations dropped"}},
			Thresholds:     []ThresholdResult{{Metric: "http_req_duration", Expression: "p(95)<800", Status: "no data"}}}),
			[]string{"INCONCLUSIVE", "intended load not delivered: 45 of 100", "NO DATA"}},
		// Gaps, NaN and degenerate buckets are skipped, not drawn as garbage or a panic.
		{"odd values", SingleTestSuite("odd", &Summary{Verdict: "fail", Load: Load{Delivered: true},
			Series: &Series{T: []float64{0}, RPS: []float64{5}, TargetRPS: []*float64{nil}, P50: []*float64{&nan},
				P95: []*float64{nil}, P99: []*float64{nil}, Errors: []float64{0}, VUs: []float64{1}},
			Distribution: []Bucket{{FromMs: 3, ToMs: 3, Count: 10}, {FromMs: 5, ToMs: 2, Count: 4}, {FromMs: 1, ToMs: math.Inf(1), Count: 1}},
			SLOLines:     map[string]float64{"p95": -1}}),
			[]string{"FAIL", "Latency percentiles: no data"}},
		// Names from scenario files are escaped, never markup.
		{"escaping", SingleTestSuite(`<script>alert("x")</script>`, &Summary{Notes: []string{"<b>bold</b>"},
			Thresholds: []ThresholdResult{{Metric: `m{name:"<i>"}`, Expression: "p(95)<1"}}}),
			[]string{`<script>alert("x")</script>`, "<b>bold</b>", `m{name:"<i>"}`}},
		// Names that make the same anchor ("a b", "a-b", and a literal "a-b-2") get distinct
		// ids, so every link of the tests table reaches its own section (checkWellFormed).
		{"colliding anchors", NewSuite("", "", false, false, false, verdict.Verdict{Status: verdict.Fail}, []SuiteTest{
			{Name: "a b", Summary: &Summary{}}, {Name: "a-b", Summary: &Summary{}}, {Name: "a-b-2", Summary: &Summary{}}}),
			[]string{"a b", "a-b-2"}},
		// An interrupted suite says so beside its verdict.
		{"interrupted", NewSuite("2026-01-02T03:04:05Z", "http://127.0.0.1:1", false, false, true, verdict.Verdict{Status: verdict.Interrupted}, nil),
			[]string{"INTERRUPTED", "Interrupted by the user", "2026-01-02 03:04:05 UTC"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, doc := renderHTML(t, tc.suite)
			body := text(doc)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page text lacks %q", w)
				}
			}
			if n := find(doc, func(n *html.Node) bool {
				return n.DataAtom == atom.Script || n.DataAtom == atom.B || n.DataAtom == atom.I
			}); len(n) > 0 {
				t.Errorf("text from the input became %d elements", len(n))
			}
		})
	}
}

func TestWriteHTMLNilSuite(t *testing.T) {
	t.Parallel()
	if err := WriteHTML(io.Discard, nil); err == nil {
		t.Fatal("WriteHTML(nil) returned no error")
	}
}

func TestSingleTestSuite(t *testing.T) {
	t.Parallel()
	// The suite of one renders its test's verdict.
	for _, v := range []string{"pass", "fail", "inconclusive", "interrupted"} {
		s := SingleTestSuite("smoke", &Summary{Pass: v == "pass", Verdict: v, Timestamp: "2026-11-26T20:00:00Z", File: "smoke.yaml"})
		if s.Pass != (v == "pass") || s.Verdict != v || len(s.Tests) != 1 || s.Tests[0].Name != "smoke" || s.Tests[0].File != "smoke.yaml" || s.Timestamp != "2026-11-26T20:00:00Z" {
			t.Errorf("verdict %s: got %+v", v, s)
		}
	}
	if s := SingleTestSuite("gone", nil); s.Pass || len(s.Tests) != 1 {
		t.Errorf("a nil summary must give a failing suite of one: %+v", s)
	}
}

// BenchmarkWriteHTML renders the four-test Mina suite (60 intervals each).
func BenchmarkWriteHTML(b *testing.B) {
	s := minaSuite()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteHTML(&buf, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// selectorFile is a file with two scenarios, setup, a named request, a request named by its
// URL, a request whose tags set its name, and nested groups (::browse, ::browse::detail);
// thresholds is appended as the thresholds section.
func selectorFile(thresholds string) string {
	return `scenarios:
  read: { executor: per-vu-iterations }
  write: { executor: per-vu-iterations, tags: { name: writer } }
setup:
  - request: { url: "http://127.0.0.1:5000/health" }
flows:
  default:
    - request: { name: meetings_list, url: "http://127.0.0.1:5000/api/meetings" }
    - group:
        name: browse
        steps:
          - request: { url: "http://127.0.0.1:5000/", tags: { name: home } }
          - pick:
              - weight: 1
                group: { name: detail, steps: [ { request: { name: meeting, url: "http://127.0.0.1:5000/api/meetings/1" } } ] }
thresholds:
` + thresholds
}

// thresholdsLine is the line of the first threshold in selectorFile.
const thresholdsLine = 17

func TestSelectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want *want // nil: accepted; pos is "line:column" of the selector's value
	}{
		// The reported case: a typo in a request name.
		{"name typo", selectorFile(`  "http_req_duration{name:meetngs_list}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:27", thresholdsLine), `no request is named "meetngs_list": name:meetngs_list selects no sample (hint: did you mean "meetings_list"?)`}},
		// A plain (unquoted) key, two tags: the column is the bad value's.
		{"name typo in a plain key", selectorFile("  http_reqs{status:200,name:meting}: [\"count>0\"]\n"),
			&want{fmt.Sprintf("%d:29", thresholdsLine), `did you mean "meeting"?`}},
		// A name nothing is close to lists the names.
		{"unknown name", selectorFile(`  "http_req_duration{name:zzz}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:27", thresholdsLine), `the requests of this file: "home", "http://127.0.0.1:5000/health", "meeting", "meetings_list", "writer"`}},
		// Names that exist: given, the URL as written for a request without one, set by a
		// request's tags, set by a scenario's tags (iteration samples), setup's requests.
		{"named request", selectorFile(`  "http_req_duration{name:meetings_list}": ["p(95)<800"]` + "\n"), nil},
		{"name by tags", selectorFile(`  "http_req_duration{name:home}": ["p(95)<800"]` + "\n"), nil},
		// A request's tags win over its name: the URL of that request names nothing.
		{"name replaced by tags", selectorFile(`  "http_req_duration{name:http://127.0.0.1:5000/}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:27", thresholdsLine), "no request is named"}},
		{"name is the URL", selectorFile(`  "http_req_duration{name:http://127.0.0.1:5000/api/meetings/1}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:27", thresholdsLine), "no request is named"}}, // that request has a name
		{"unnamed request", selectorFile(`  "http_req_duration{name:http://127.0.0.1:5000/health}": ["p(95)<800"]` + "\n"), nil},
		{"scenario tag name", selectorFile(`  "iteration_duration{name:writer}": ["p(95)<800"]` + "\n"), nil},
		// Groups are paths from the top, as k6 writes them.
		{"group path", selectorFile(`  "group_duration{group:::browse::detail}": ["p(95)<800"]` + "\n"), nil},
		{"top level", selectorFile(`  "http_req_duration{group:\"\"}": ["p(95)<800"]` + "\n"), nil},
		{"group typo", selectorFile(`  "http_req_duration{group:::brwse}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:28", thresholdsLine), `no group has the path "::brwse": group:::brwse selects no sample (hint: did you mean "::browse"?)`}},
		{"group without its path", selectorFile(`  "http_req_duration{group:browse}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:28", thresholdsLine), `did you mean "::browse"? k6 writes a group's path from the top`}},
		{"inner group alone", selectorFile(`  "http_req_duration{group:::detail}": ["p(95)<800"]` + "\n"),
			&want{fmt.Sprintf("%d:28", thresholdsLine), `no group has the path "::detail"`}},
		// Scenarios, setup and teardown.
		{"scenario", selectorFile(`  "iterations{scenario:write}": ["count>0"]` + "\n"), nil},
		{"setup", selectorFile(`  "http_req_duration{scenario:setup}": ["p(95)<800"]` + "\n"), nil},
		{"scenario typo", selectorFile(`  "iterations{scenario:reed}": ["count>0"]` + "\n"),
			&want{fmt.Sprintf("%d:24", thresholdsLine), `no scenario is named "reed": scenario:reed selects no sample (hint: did you mean "read"?)`}},
		{"teardown absent", selectorFile(`  "iterations{scenario:teardown}": ["count>0"]` + "\n"),
			&want{fmt.Sprintf("%d:24", thresholdsLine), `no scenario is named "teardown"`}},
		// Other tags take values from the responses or the command line: not checked.
		{"other tags", selectorFile(`  "http_reqs{status:299,type:whatever}": ["count>0"]` + "\n"), nil},
		// The default scenario is named default.
		{"default scenario", "flows:\n  default: [ { request: { url: \"http://127.0.0.1:5000/\" } } ]\nthresholds:\n  \"iterations{scenario:default}\": [\"count>0\"]\n", nil},
		// A run-time reference in a request's name (its URL) makes names unknowable.
		{"templated name", "flows:\n  default: [ { request: { url: \"http://127.0.0.1:5000/${__VU}\" } } ]\nthresholds:\n  \"http_req_duration{name:anything}\": [\"p(95)<800\"]\n", nil},
		// …but not groups or scenarios.
		{"templated name, bad scenario", "flows:\n  default: [ { request: { url: \"http://127.0.0.1:5000/${__VU}\" } } ]\nthresholds:\n  \"http_req_duration{scenario:nope}\": [\"p(95)<800\"]\n",
			&want{"4:31", `no scenario is named "nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile("testdata/inline.yaml", []byte(tt.src), map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, env(nil))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused:\n%v", err)
				}
				if len(p.Thresholds) != 1 {
					t.Errorf("thresholds = %+v", p.Thresholds)
				}
				return
			}
			errs := compileErrors(t, tt.src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"})
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(errs), errs)
			}
			if got := fmt.Sprintf("%d:%d", errs[0].Line, errs[0].Column); got != tt.want.pos || !strings.Contains(errs[0].Error(), tt.want.frag) {
				t.Errorf("error = %s\nwant at %s containing %q", errs[0], tt.want.pos, tt.want.frag)
			}
		})
	}
}

// TestSelectorsAfterFlowErrors: when a step did not compile, the names it would have defined
// are unknown, so selectors are not checked; the step's own error is the only one.
func TestSelectorsAfterFlowErrors(t *testing.T) {
	t.Parallel()
	src := "flows:\n  default:\n    - request: { name: home, url: \"http://127.0.0.1:5000/\", methd: GET }\nthresholds:\n  \"http_req_duration{name:home}\": [\"p(95)<800\"]\n"
	errs := compileErrors(t, src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"})
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, `unknown key "methd"`) {
		t.Errorf("errors:\n%v", errs)
	}
}

func TestSelectorOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, tag string
		want     int
	}{
		{"http_req_duration{name:x}", "name", 23},
		{"http_reqs{status:200, name: x}", "name", 28},
		{"http_reqs{status:200}", "name", 0},
		{"http_reqs", "name", 0},
	}
	for _, tt := range tests {
		if got := selectorOffset(tt.key, tt.tag); got != tt.want {
			t.Errorf("selectorOffset(%q, %q) = %d, want %d", tt.key, tt.tag, got, tt.want)
		}
	}
}

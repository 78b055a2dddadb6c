package scenario

import (
	"fmt"
	"strings"
	"testing"
)

func TestRegressions(t *testing.T) {
	t.Parallel()
	src := flowsOK + `
regressions:
  http_req_duration: ["p(95) < +10%", "med <= +5%"]
  http_reqs: ["rate > -5%"]
`
	p, err := Compile("testdata/ok.yaml", []byte(src), map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Regressions) != 3 || p.Regressions[0].Metric != "http_req_duration" || p.Regressions[2].Expression != "rate > -5%" || p.Regressions[2].Line != 8 {
		t.Fatalf("regressions %+v", p.Regressions)
	}
}

func TestInvalidRegressions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      want
		line      int // from the budget's key, the second line of src
	}{
		// A level instead of a change: the percent sign is the point.
		{"no percent", "regressions:\n  http_reqs: [\"rate > 100\"]\n", want{frag: "must be a percentage"}, 1},
		// A counter has no p95.
		{"stat of another type", "regressions:\n  http_reqs: [\"p(95) < +5%\"]\n", want{frag: "compare measures rate"}, 1},
		// An unknown metric, with its line.
		{"unknown metric", "regressions:\n  http_req_durration: [\"p(95) < +5%\"]\n", want{frag: "unknown metric"}, 1},
		// A budget is a list, as a threshold is.
		{"not a list", "regressions:\n  http_reqs: \"rate > -5%\"\n", want{frag: "list"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := compileErrors(t, flowsOK+tt.src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"})
			for _, e := range errs {
				if strings.Contains(e.Error(), tt.want.frag) && strings.Contains(e.Error(), ".yaml:"+fmt.Sprint(5+tt.line)+":") {
					return
				}
			}
			t.Fatalf("no error with %q: %v", tt.want.frag, errs)
		})
	}
}

package scenario

import (
	"net/url"
	"testing"
)

func TestHostAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url   string
		hosts []string
		want  bool
	}{
		{"http://127.0.0.1:5000/x", []string{"127.0.0.1:5000"}, true},       // exact host:port
		{"http://127.0.0.1:5001/x", []string{"127.0.0.1:5000"}, false},      // another port
		{"http://127.0.0.1:5001/x", []string{"127.0.0.1"}, true},            // a bare host allows any port
		{"http://example.com/x", []string{"example.com:80"}, true},          // http's default port
		{"https://example.com/x", []string{"example.com:80"}, false},        // https is 443
		{"https://EXAMPLE.com/x", []string{"example.com:443"}, true},        // case-insensitive
		{"http://[::1]:5000/x", []string{"[::1]:5000"}, true},               // IPv6 with port
		{"http://[::1]:5000/x", []string{"[::1]"}, true},                    // IPv6, any port
		{"http://127.0.0.1:5000/x", nil, false},                             // nothing allowed
		{"http://127.0.0.1.evil.test:5000/x", []string{"127.0.0.1"}, false}, // no prefix matching
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := hostAllowed(u, tt.hosts); got != tt.want {
				t.Errorf("hostAllowed(%s, %v) = %v", tt.url, tt.hosts, got)
			}
		})
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	src := `scenarios:
  read: &base
    executor: constant-vus
    vus: 3
    duration: 1m
  write:
    <<: *base
    vus: 5
` + flowsOK
	p := compileOK(t, src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, nil)
	if len(p.Scenarios) != 2 || p.Scenarios[0].VUs != 3 || p.Scenarios[1].VUs != 5 || p.Scenarios[1].Duration != p.Scenarios[0].Duration {
		t.Errorf("merge keys not applied: %+v", p.Scenarios)
	}
}

func TestEscapedReferenceKeptForRunner(t *testing.T) {
	t.Parallel()
	src := `flows:
  default:
    - request: { url: "http://127.0.0.1:5000/", body: "literal $${x} and ${__VU}" }
`
	p := compileOK(t, src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, nil)
	if got := p.Flows["default"].Steps[0].Request.Raw; got != "literal $${x} and ${__VU}" {
		t.Errorf("body %q: the escape and the run-time reference must reach the runner as written", got)
	}
}

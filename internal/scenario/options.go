package scenario

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Defaults of the options, k6's where k6 has the option.
const (
	DefaultTimeout         = 60 * time.Second // k6: 60s per request
	DefaultMaxRedirects    = 10               // k6: 10
	DefaultMaxBodyBytes    = 10 << 20         // ramp: bounded memory per response
	DefaultSetupTimeout    = 60 * time.Second // k6: 60s
	DefaultTeardownTimeout = 60 * time.Second // k6: 60s
)

var optionKeys = []string{"hosts", "timeout", "discardResponseBodies", "noConnectionReuse",
	"insecureSkipTLSVerify", "userAgent", "maxRedirects", "maxBodyBytes", "setupTimeout",
	"teardownTimeout", "cookies", "loadTolerance", "tracing"}

// DefaultTraceSampleRate is options.tracing.sampleRate when the file gives none: every request.
const DefaultTraceSampleRate = 1.0

// options compiles `options` into o and returns whether flows keep cookies.
func (c *compiler) options(top *obj, o *plan.Options) (cookies bool) {
	*o = plan.Options{
		BaseURL:         c.baseURL,
		Timeout:         DefaultTimeout,
		MaxRedirects:    DefaultMaxRedirects,
		MaxBodyBytes:    DefaultMaxBodyBytes,
		SetupTimeout:    DefaultSetupTimeout,
		TeardownTimeout: DefaultTeardownTimeout,
		LoadTolerance:   verdict.DefaultLoadTolerance,
	}
	cookies = true
	o.Hosts = c.defaultHosts()
	n, path := top.get("options")
	if n == nil {
		c.hosts = o.Hosts
		return cookies
	}
	opts := c.object(n, path, optionKeys)
	if opts == nil {
		c.hosts = o.Hosts
		return cookies
	}
	opts.duration("timeout", &o.Timeout)
	opts.boolean("discardResponseBodies", &o.DiscardResponseBodies)
	opts.boolean("noConnectionReuse", &o.NoConnectionReuse)
	opts.boolean("insecureSkipTLSVerify", &o.InsecureSkipTLSVerify)
	opts.str("userAgent", &o.UserAgent)
	if opts.count("maxRedirects", &o.MaxRedirects) && o.MaxRedirects < 0 {
		v, p := opts.get("maxRedirects")
		c.errAt(v, p, fmt.Sprintf("maxRedirects can't be negative, got %d", o.MaxRedirects), "0 follows no redirect")
	}
	if opts.integer("maxBodyBytes", &o.MaxBodyBytes) && o.MaxBodyBytes <= 0 {
		v, p := opts.get("maxBodyBytes")
		c.errAt(v, p, fmt.Sprintf("maxBodyBytes must be more than 0, got %d", o.MaxBodyBytes), "use discardResponseBodies: true to keep no body")
	}
	opts.duration("setupTimeout", &o.SetupTimeout)
	opts.duration("teardownTimeout", &o.TeardownTimeout)
	opts.boolean("cookies", &cookies)
	if opts.number("loadTolerance", &o.LoadTolerance) && (o.LoadTolerance < 0 || o.LoadTolerance >= 1) {
		v, p := opts.get("loadTolerance")
		c.errAt(v, p, fmt.Sprintf("loadTolerance is the share of scheduled iterations that may be dropped, between 0 and 1, got %v", o.LoadTolerance), "0.01 tolerates 1% dropped iterations")
	}
	if v, p := opts.get("hosts"); v != nil {
		o.Hosts = c.hostList(v, p)
	}
	if v, p := opts.get("tracing"); v != nil {
		o.Tracing = c.tracing(v, p)
	}
	c.hosts = o.Hosts
	return cookies
}

// tracing compiles options.tracing: {propagation: w3c, sampleRate: 0.01}.
func (c *compiler) tracing(n *yaml.Node, path string) plan.Tracing {
	obj := c.object(n, path, []string{"propagation", "sampleRate"})
	if obj == nil {
		return plan.Tracing{}
	}
	t := plan.Tracing{Propagation: "w3c", SampleRate: DefaultTraceSampleRate}
	if obj.str("propagation", &t.Propagation) && t.Propagation != "w3c" {
		v, p := obj.get("propagation")
		c.errAt(v, p, fmt.Sprintf("propagation %q: ramp propagates the W3C Trace Context (traceparent) only", t.Propagation), "propagation: w3c")
		return plan.Tracing{}
	}
	if obj.number("sampleRate", &t.SampleRate) && (t.SampleRate <= 0 || t.SampleRate > 1) {
		v, p := obj.get("sampleRate")
		c.errAt(v, p, fmt.Sprintf("sampleRate is the share of requests that carry a traceparent, more than 0 and at most 1, got %v", t.SampleRate), "0.01 traces one request in a hundred; remove tracing to trace none")
		return plan.Tracing{}
	}
	return t
}

// defaultHosts is the base URL's host:port, the only host that receives traffic when the file
// names none.
func (c *compiler) defaultHosts() []string {
	if c.baseURL == "" {
		return nil
	}
	u, err := url.Parse(c.baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		c.errs = append(c.errs, &Error{File: c.file, Path: "BASE_URL",
			Msg:  fmt.Sprintf("BASE_URL %q is not an http:// or https:// URL", c.baseURL),
			Hint: "set it with -e BASE_URL=http://host:port"})
		return nil
	}
	return []string{hostPort(u)}
}

// hostList compiles the hosts allowlist: each entry is a host (any port) or host:port.
func (c *compiler) hostList(n *yaml.Node, path string) []string {
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	hosts := []string{}
	for i, item := range items {
		p := index(path, i)
		h, ok := c.str(item, p)
		if !ok {
			continue
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, "/ ") {
			c.errAt(item, p, fmt.Sprintf("host %q is not a host or host:port", h), `write just the host and port, e.g. "127.0.0.1:5000"`)
			continue
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// hostPort is a URL's host with its port made explicit, lower case: "127.0.0.1:5000",
// "example.com:443".
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" || u.Scheme == "wss" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// hostAllowed says whether a URL's host is on the allowlist: an entry with a port must match
// host and port; an entry without one matches the host on any port.
func hostAllowed(u *url.URL, hosts []string) bool {
	hp := hostPort(u)
	name := strings.ToLower(u.Hostname())
	for _, h := range hosts {
		if _, _, err := net.SplitHostPort(h); err == nil {
			if h == hp {
				return true
			}
			continue
		}
		if strings.Trim(h, "[]") == name {
			return true
		}
	}
	return false
}

var sloKeys = []string{"metric", "p50", "p95", "p99", "error_rate"}

// slo compiles the headline targets. ErrorRate is -1 (no target) unless given.
func (c *compiler) slo(top *obj) plan.SLO {
	s := plan.SLO{ErrorRate: -1}
	n, path := top.get("slo")
	if n == nil {
		return s
	}
	o := c.object(n, path, sloKeys)
	if o == nil {
		return s
	}
	if o.str("metric", &s.Metric) {
		v, p := o.get("metric")
		c.checkTrendMetric(v, p, s.Metric)
	}
	o.duration("p50", &s.P50)
	o.duration("p95", &s.P95)
	o.duration("p99", &s.P99)
	if o.number("error_rate", &s.ErrorRate) && (s.ErrorRate < 0 || s.ErrorRate > 1) {
		v, p := o.get("error_rate")
		c.errAt(v, p, fmt.Sprintf("error_rate is a fraction between 0 and 1, got %v", s.ErrorRate), "0.0005 means 0.05%")
	}
	return s
}

// checkTrendMetric checks that key names a built-in trend metric, the only kind percentile
// targets apply to.
func (c *compiler) checkTrendMetric(n *yaml.Node, path, key string) {
	name, _, err := metrics.ParseKey(key)
	if err != nil {
		c.errAt(n, path, err.Error(), "write a metric key such as http_req_duration{type:api_read}")
		return
	}
	b, ok := metrics.Lookup(name)
	if !ok {
		c.errAt(n, path, fmt.Sprintf("unknown metric %q", name), didYouMean(name, builtinNames()))
		return
	}
	if b.Type != metrics.Trend {
		c.errAt(n, path, fmt.Sprintf("metric %q is a %s; p50/p95/p99 targets need a trend", name, b.Type), "use http_req_duration")
	}
}

// builtinNames lists the built-in metric names.
func builtinNames() []string {
	var names []string
	for _, b := range metrics.Builtins() {
		names = append(names, b.Name)
	}
	return names
}

var feederKeys = []string{"file", "mode"}

var feederModes = []string{string(plan.FeedSequential), string(plan.FeedRandom), string(plan.FeedUniqueVU)}

// data compiles the feeders, in file order. Paths are resolved against the scenario file's
// directory and must name an existing .csv or .json file. The columns of each file that can
// be read now are kept, so that templates naming a column it lacks are reported.
func (c *compiler) data(top *obj) []plan.Feeder {
	n, path := top.get("data")
	if n == nil {
		return nil
	}
	o := c.object(n, path, nil)
	if o == nil {
		return nil
	}
	var feeders []plan.Feeder
	for _, name := range o.order {
		v, p := o.get(name)
		if !identifier.MatchString(name) {
			c.errAt(o.keys[name], p, fmt.Sprintf("feeder name %q is not a name templates can read", name), "use letters, digits and _, starting with a letter or _")
		}
		if v == nil {
			c.errAt(o.keys[name], p, "a feeder needs a file", "write { file: tokens.csv, mode: sequential }")
			continue
		}
		fo := c.object(v, p, feederKeys)
		if fo == nil {
			continue
		}
		f := plan.Feeder{Name: name, Mode: plan.FeedSequential}
		var mode string
		if fo.str("mode", &mode) {
			if contains(feederModes, mode) {
				f.Mode = plan.FeederMode(mode)
			} else {
				mv, mp := fo.get("mode")
				c.errAt(mv, mp, fmt.Sprintf("unknown feeder mode %q", mode), didYouMean(mode, feederModes))
			}
		}
		if fo.require("file", "name a CSV file with a header row or a JSON array of objects") && fo.str("file", &f.Path) {
			fv, fp := fo.get("file")
			nerr := len(c.errs)
			f.Path = c.dataPath(fv, fp, f.Path)
			if cols, ok := feederColumns(f.Path); ok && len(c.errs) == nerr {
				if c.columns == nil {
					c.columns = map[string][]string{}
				}
				c.columns[name] = cols
			}
		}
		feeders = append(feeders, f)
	}
	return feeders
}

// dataPath resolves and checks a feeder's file.
func (c *compiler) dataPath(n *yaml.Node, path, file string) string {
	abs := file
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(c.dir, file)
	}
	if a, err := filepath.Abs(abs); err == nil {
		abs = a
	}
	switch strings.ToLower(filepath.Ext(abs)) {
	case ".csv", ".json":
	default:
		c.errAt(n, path, fmt.Sprintf("data file %q is neither .csv nor .json", file), "feeders read CSV with a header row or a JSON array of objects")
		return abs
	}
	st, err := os.Stat(abs)
	switch {
	case err != nil:
		hint := "paths are relative to the scenario file's directory"
		if strings.Contains(n.Value, "${") {
			hint = fmt.Sprintf("the path comes from %s: set that variable with -e to an existing file (%s)", n.Value, hint)
		}
		c.errAt(n, path, fmt.Sprintf("data file %q: %v", file, unwrapPathError(err)), hint)
	case st.IsDir():
		c.errAt(n, path, fmt.Sprintf("data file %q is a directory", file), "name a .csv or .json file")
	}
	return abs
}

// unwrapPathError drops the path from an *os.PathError, which the message already quotes.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

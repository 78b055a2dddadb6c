package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/ramp-dev/ramp/internal/plan"
)

// MaxScrapeBytes bounds one /metrics response; a larger one is an error, not a memory spike.
const MaxScrapeBytes = 16 << 20

// PromSeries is one figure a Prometheus monitor records from a scrape (plan.PromSeries has
// what each field means).
type PromSeries = plan.PromSeries

// prometheusMonitor scrapes a text-format /metrics endpoint.
type prometheusMonitor struct {
	timing
	url    string
	series []PromSeries
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	rates map[string][]counter // by series name: Metric's, then each Over metric's
}

var (
	_ Monitor = (*prometheusMonitor)(nil)
	_ Timing  = (*prometheusMonitor)(nil)
)

// parsePrometheus reads url and the series list. An empty url leaves the monitor
// unconfigured; its series are checked all the same, so a mistake there shows in every run.
func parsePrometheus(s *spec, pm *plan.Monitor) {
	if s.blank("url") {
		s.unset = []string{"url"}
	} else if pm.URL = s.str("url"); pm.URL == "" {
		s.errorf("url is required, e.g. url: http://127.0.0.1:5000/metrics")
	} else if err := checkHTTPURL(pm.URL); err != nil {
		s.errs = append(s.errs, err)
	}
	raw, ok := s.get("series")
	list, isList := raw.([]any)
	switch {
	case !ok:
		s.errorf("series is required, e.g. series: [{name: pool_waits, metric: mina_db_pool_wait_count_total, rate: true}]")
	case !isList:
		s.errorf("series must be a list, not %s", describe(raw))
	default:
		for i, item := range list {
			if ps, ok := parsePromSeries(s, i, item); ok {
				pm.Series = append(pm.Series, ps)
			}
		}
		if len(list) == 0 {
			s.errorf("series is empty: list at least one")
		}
	}
	if len(pm.Series) > 0 { // entries that did not parse are reported already
		s.errs = append(s.errs, checkSeries(pm.Series)...)
	}
}

// newPrometheus builds a Prometheus monitor from its compiled form.
func newPrometheus(pm plan.Monitor, t timing) (Monitor, error) {
	errs := checkSeries(pm.Series)
	if err := checkHTTPURL(pm.URL); err != nil {
		errs = append(errs, err)
	}
	if len(pm.Series) == 0 {
		errs = append(errs, errors.New("series is empty: list at least one"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &prometheusMonitor{timing: t, url: pm.URL, series: pm.Series, client: &http.Client{}, now: time.Now,
		rates: map[string][]counter{}}, nil
}

// parsePromSeries reads one entry of series; problems go to s, prefixed with the entry.
func parsePromSeries(s *spec, i int, item any) (PromSeries, bool) {
	mm, ok := item.(map[string]any)
	if !ok {
		s.errorf("series[%d] must be a mapping {name, metric, labels, rate, over, unit}, not %s", i, describe(item))
		return PromSeries{}, false
	}
	sub := newSpec(mm)
	ps := PromSeries{Name: sub.str("name"), Metric: sub.str("metric"), Rate: sub.boolean("rate"), Unit: sub.str("unit")}
	if v, ok := sub.get("over"); ok {
		ps.Over = metricList(sub, "over", v)
	}
	if v, ok := sub.get("labels"); ok {
		lm, isMap := v.(map[string]any)
		if !isMap {
			sub.errorf("labels must be a mapping such as {pool: read}, not %s", describe(v))
		}
		ps.Labels = map[string]string{}
		for k, lv := range lm {
			switch x := lv.(type) {
			case string:
				ps.Labels[k] = x
			case bool, int, int64, uint64, float64:
				ps.Labels[k] = fmt.Sprint(x) // {status: 200} means the label value "200"
			default:
				sub.errorf("label %s must be a string, not %s", k, describe(lv))
			}
		}
	}
	if sub.finish() != nil {
		for _, err := range sub.errs {
			s.errorf("series[%d]: %w", i, err)
		}
		return PromSeries{}, false
	}
	return ps, true
}

// metricList reads a list of metric names. It returns an empty, non-nil list for an empty
// one, which checkSeries reports.
func metricList(s *spec, key string, v any) []string {
	items, isList := v.([]any)
	if !isList {
		s.errorf("%s must be a list of metric names, e.g. %s: [cache_hits_total, cache_misses_total], not %s", key, key, describe(v))
		return nil
	}
	out := []string{}
	for i, item := range items {
		name, isStr := item.(string)
		if !isStr {
			s.errorf("%s[%d] must be a metric name, not %s", key, i, describe(item))
			continue
		}
		out = append(out, name)
	}
	return out
}

// checkSeries checks names and metrics of a series list.
func checkSeries(series []PromSeries) []error {
	var errs []error
	if len(series) == 0 {
		errs = append(errs, errors.New("no series to record"))
	}
	seen := map[string]bool{}
	for i, ps := range series {
		switch {
		case ps.Name == "":
			errs = append(errs, fmt.Errorf("series[%d]: name is required", i))
		case !validName.MatchString(ps.Name):
			errs = append(errs, fmt.Errorf("series[%d]: name %q must be letters, digits, '_' or '-'", i, ps.Name))
		case seen[ps.Name]:
			errs = append(errs, fmt.Errorf("series[%d]: name %q is used twice", i, ps.Name))
		}
		seen[ps.Name] = true
		if ps.Metric == "" {
			errs = append(errs, fmt.Errorf("series[%d]: metric is required, e.g. metric: mina_db_pool_wait_count_total", i))
		}
		if ps.Over != nil && len(ps.Over) == 0 {
			errs = append(errs, fmt.Errorf("series[%d]: over is empty: list the metrics whose sum divides %s, e.g. over: [cache_hits_total, cache_misses_total]", i, ps.Metric))
		}
		for j, m := range ps.Over {
			if m == "" {
				errs = append(errs, fmt.Errorf("series[%d]: over[%d] is empty: name a metric", i, j))
			}
		}
		for _, m := range append([]string{ps.Metric}, ps.Over...) {
			if strings.HasSuffix(m, "_bucket") && ps.Labels["le"] == "" {
				errs = append(errs, fmt.Errorf("series[%d]: metric %q is a histogram bucket: choose one with labels: {le: \"0.5\"}", i, m))
			}
		}
	}
	return errs
}

// checkHTTPURL accepts absolute http and https URLs.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q must be an absolute http:// or https:// URL", raw)
	}
	return nil
}

// Sample scrapes the endpoint once. Series that cannot be found in the scrape are left out
// and named in the error; the others are returned.
func (m *prometheusMonitor) Sample(ctx context.Context) ([]Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	families, err := m.scrape(ctx)
	if err != nil {
		return nil, err
	}
	now := m.now()
	var (
		out  []Reading
		errs []error
	)
	for _, ps := range m.series {
		vs, err := lookupAll(families, ps)
		if err != nil {
			errs = append(errs, fmt.Errorf("series %s: %w", ps.Name, err))
			continue
		}
		if r, ok := m.reading(ps, vs, now); ok {
			out = append(out, r)
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("prometheus %s: %w", m.url, errors.Join(errs...))
	}
	return out, nil
}

// reading turns the values of one series' metrics (Metric's, then Over's) into its figure:
// the value or its rate, or their ratio. ok is false when there is no figure this time: the
// first scrape of a rate, a divisor of 0.
func (m *prometheusMonitor) reading(ps PromSeries, vs []float64, now time.Time) (Reading, bool) {
	unit := ps.Unit
	if ps.Rate {
		cs := m.rates[ps.Name]
		if cs == nil {
			cs = make([]counter, len(vs))
			m.rates[ps.Name] = cs
		}
		ok := true
		for i, v := range vs {
			delta, rate, observed := cs[i].observe(v, now)
			ok = ok && observed
			vs[i] = delta
			if ps.Over == nil {
				vs[i] = rate
			}
		}
		if !ok {
			return Reading{}, false
		}
		if unit == "" && ps.Over == nil {
			unit = UnitPerSecond
		}
	}
	v := vs[0]
	if ps.Over != nil {
		divisor := 0.0
		for _, d := range vs[1:] {
			divisor += d
		}
		if divisor == 0 {
			return Reading{}, false
		}
		v /= divisor
		if unit == "" {
			unit = UnitRatio
		}
	}
	return Reading{Series: ps.Name, Value: v, Unit: unit}, true
}

// scrape fetches and parses the exposition.
func (m *prometheusMonitor) scrape(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	// Ask for the text format: the one expfmt.TextParser reads.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus: scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("prometheus: scrape %s: status %s", m.url, resp.Status)
	}
	body := io.LimitReader(resp.Body, MaxScrapeBytes+1)
	lr := &countingReader{r: body}
	// UTF-8 names are what current exporters may write; the parser needs the scheme spelled out.
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(lr)
	if lr.n > MaxScrapeBytes {
		return nil, fmt.Errorf("prometheus: scrape %s: response larger than %d bytes", m.url, MaxScrapeBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("prometheus: parse %s: %w", m.url, err)
	}
	return families, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lookupAll reads ps.Metric and then each of ps.Over, all with ps.Labels; an error names the
// first metric that cannot be read.
func lookupAll(families map[string]*dto.MetricFamily, ps PromSeries) ([]float64, error) {
	vs := make([]float64, 0, 1+len(ps.Over))
	for _, metric := range append([]string{ps.Metric}, ps.Over...) {
		one := ps
		one.Metric = metric
		v, err := lookup(families, one)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// lookup sums the metrics of ps.Metric whose labels include ps.Labels.
func lookup(families map[string]*dto.MetricFamily, ps PromSeries) (float64, error) {
	if f, ok := families[ps.Metric]; ok {
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_SUMMARY, dto.MetricType_GAUGE_HISTOGRAM:
			return 0, fmt.Errorf("%s is a %s: ask for %s_sum or %s_count", ps.Metric,
				strings.ToLower(f.GetType().String()), ps.Metric, ps.Metric)
		}
		return sum(f, ps.Labels, "", func(m *dto.Metric) float64 {
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
			return m.GetUntyped().GetValue()
		})
	}
	for _, suffix := range []string{"_sum", "_count", "_bucket"} {
		base, ok := strings.CutSuffix(ps.Metric, suffix)
		f := families[base]
		if !ok || f == nil {
			continue
		}
		return sumComposite(f, suffix, ps)
	}
	return 0, fmt.Errorf("no metric %s in the scrape", ps.Metric)
}

// sumComposite reads _sum, _count or _bucket of a histogram or summary.
func sumComposite(f *dto.MetricFamily, suffix string, ps PromSeries) (float64, error) {
	isHist := f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_GAUGE_HISTOGRAM
	isSummary := f.GetType() == dto.MetricType_SUMMARY
	if !isHist && !isSummary {
		return 0, fmt.Errorf("no metric %s in the scrape (%s is a %s)", ps.Metric, f.GetName(), strings.ToLower(f.GetType().String()))
	}
	switch suffix {
	case "_sum":
		return sum(f, ps.Labels, "", func(m *dto.Metric) float64 {
			if isHist {
				return m.GetHistogram().GetSampleSum()
			}
			return m.GetSummary().GetSampleSum()
		})
	case "_count":
		return sum(f, ps.Labels, "", func(m *dto.Metric) float64 {
			if isHist {
				return float64(m.GetHistogram().GetSampleCount())
			}
			return float64(m.GetSummary().GetSampleCount())
		})
	}
	if !isHist {
		return 0, fmt.Errorf("%s is a summary, which has no buckets", f.GetName())
	}
	le, err := strconv.ParseFloat(ps.Labels["le"], 64)
	if err != nil {
		return 0, fmt.Errorf("le %q is not a number", ps.Labels["le"])
	}
	found := false
	v, err := sum(f, ps.Labels, "le", func(m *dto.Metric) float64 {
		if math.IsInf(le, 1) {
			found = true
			return float64(m.GetHistogram().GetSampleCount())
		}
		for _, b := range m.GetHistogram().GetBucket() {
			if b.GetUpperBound() == le {
				found = true
				return float64(b.GetCumulativeCount())
			}
		}
		return 0
	})
	if err == nil && !found {
		return 0, fmt.Errorf("%s has no bucket le=%q", f.GetName(), ps.Labels["le"])
	}
	return v, err
}

// sum adds value(m) over the metrics of f carrying every label of want except skip.
func sum(f *dto.MetricFamily, want map[string]string, skip string, value func(*dto.Metric) float64) (float64, error) {
	total, n := 0.0, 0
	for _, m := range f.GetMetric() {
		if hasLabels(m, want, skip) {
			total += value(m)
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("no series of %s has the labels %s", f.GetName(), formatLabels(want, skip))
	}
	return total, nil
}

// hasLabels reports whether m carries every label of want (but skip) with its value.
func hasLabels(m *dto.Metric, want map[string]string, skip string) bool {
	for k, v := range want {
		if k == skip {
			continue
		}
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k && lp.GetValue() == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// formatLabels writes {a="1",b="2"} in key order for error messages.
func formatLabels(want map[string]string, skip string) string {
	var parts []string
	for k, v := range want {
		if k != skip {
			parts = append(parts, fmt.Sprintf("%s=%q", k, v))
		}
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// Close releases idle connections to the endpoint.
func (m *prometheusMonitor) Close() error {
	m.client.CloseIdleConnections()
	return nil
}

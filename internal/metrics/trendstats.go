package metrics

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultTrendStats are k6's default summaryTrendStats: the statistics a summary shows of a
// trend when --summary-trend-stats does not name others.
var DefaultTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// ParseTrendStats parses k6's --summary-trend-stats list, "avg,min,med,max,p(90),p(99.9),count":
// each a name TrendStat reads. Empty gives nil (the caller's default).
func ParseTrendStats(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, st := range strings.Split(s, ",") {
		st = strings.TrimSpace(st)
		if _, _, err := TrendStatMethod(st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// TrendStatMethod maps a trend statistic as k6 names it ("avg", "min", "med", "max", "count",
// "p(N)") to Snapshot.Aggregate's method and argument.
func TrendStatMethod(stat string) (method string, arg float64, err error) {
	switch stat {
	case "avg", "min", "med", "max", "count":
		return stat, 0, nil
	}
	inner, ok := strings.CutPrefix(stat, "p(")
	if inner, ok = strings.CutSuffix(inner, ")"); ok && inner != "" {
		if p, perr := strconv.ParseFloat(inner, 64); perr == nil && p >= 0 && p <= 100 {
			return "p", p, nil
		}
	}
	return "", 0, fmt.Errorf("%q: want avg, min, med, max, count or p(N) with N from 0 to 100", stat)
}

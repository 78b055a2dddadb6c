package output

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

func TestCSVRows(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	tags := metrics.NewTags(map[string]string{"name": "list", "method": "GET", "status": "200",
		"scenario": "default", "url": "http://127.0.0.1/api?a=1,b", "region": "eu", "team": "x&y"})
	var b bytes.Buffer
	c := NewCSV(&b)
	err := c.WritePoints([]metrics.Point{
		{Metric: "http_reqs", Time: at, Value: 1, Tags: tags},
		{Metric: "http_req_duration", Time: at, Value: 12.3456789, Tags: tags},
		{Metric: "vus", Time: at, Value: 3}, // no tags at all
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		// k6's header, column for column.
		{"metric_name", "timestamp", "metric_value", "check", "error", "error_code", "group", "method", "name", "proto", "scenario", "service", "status", "subproto", "tls_version", "url", "extra_tags"},
		// Unix seconds, six decimals, system tags in their columns, the rest in extra_tags in key order.
		{"http_reqs", "1767323045", "1.000000", "", "", "", "", "GET", "list", "", "default", "", "200", "", "", "http://127.0.0.1/api?a=1,b", "region=eu&team=x&y"},
		{"http_req_duration", "1767323045", "12.345679", "", "", "", "", "GET", "list", "", "default", "", "200", "", "", "http://127.0.0.1/api?a=1,b", "region=eu&team=x&y"},
		{"vus", "1767323045", "3.000000", "", "", "", "", "", "", "", "", "", "", "", "", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), b.String())
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
	if err := c.WritePoints([]metrics.Point{{Metric: "vus", Time: at}}); err == nil {
		t.Error("a write after Close succeeded")
	}
}

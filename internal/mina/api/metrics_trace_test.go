package api

import "testing"

func TestTraceID(t *testing.T) {
	t.Parallel()
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	for _, tc := range []struct {
		name, h string
		ok      bool
	}{
		{"the spec's example", "00-" + id + "-00f067aa0ba902b7-01", true},
		{"unsampled is still a trace", "00-" + id + "-00f067aa0ba902b7-00", true},
		{"a later version with more fields", "01-" + id + "-00f067aa0ba902b7-01-what", true},
		{"version 00 with more fields", "00-" + id + "-00f067aa0ba902b7-01-what", false},
		{"version ff", "ff-" + id + "-00f067aa0ba902b7-01", false},
		{"upper case", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
		{"zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
		{"zero parent id", "00-" + id + "-0000000000000000-01", false},
		{"short", "00-" + id[:31] + "-00f067aa0ba902b7-01", false},
		{"log injection", "00-" + id + "-00f067aa0ba902b7-0\n", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := TraceID(tc.h)
			if ok != tc.ok || ok && got != id {
				t.Errorf("TraceID(%q) = %q, %v; want ok %v", tc.h, got, ok, tc.ok)
			}
		})
	}
}

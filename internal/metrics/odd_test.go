package metrics

import (
	"math"
	"testing"
	"time"
)

func TestOddSamplesNeverPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		samples []HTTPSample
		check   func(t *testing.T, s *Snapshot)
	}{
		// A zero time lies before the registry's start: it lands in the first interval.
		{"zero time", []HTTPSample{{Duration: time.Millisecond}}, func(t *testing.T, s *Snapshot) {
			ser, _ := s.Series("http_reqs")
			if ser.Len() != 1 || ser.At(0).Count != 1 {
				t.Errorf("points = %+v", ser.Points())
			}
		}},
		// A far-future time merges the series down to a bounded number of points.
		{"far future", []HTTPSample{{Time: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), Duration: time.Millisecond}},
			func(t *testing.T, s *Snapshot) {
				ser, _ := s.Series("http_reqs")
				if ser.Len() > DefaultMaxSeriesPoints || ser.Len() == 0 {
					t.Errorf("%d points", ser.Len())
				}
			}},
		// A negative duration counts as zero.
		{"negative duration", []HTTPSample{{Duration: -time.Second}}, func(t *testing.T, s *Snapshot) {
			if v := mustAggregate(t, s, "http_req_duration", "max", 0); v != 0 {
				t.Errorf("max = %v, want 0", v)
			}
		}},
		// Beyond one hour: exact max, percentiles at the ceiling (±0.1%), the clamp counted.
		{"two hours", []HTTPSample{{Duration: time.Millisecond}, {Duration: 2 * time.Hour}}, func(t *testing.T, s *Snapshot) {
			mv, _ := s.Get("http_req_duration")
			if mv.Clamped != 1 || mv.Max != 7.2e6 || math.Abs(mv.Percentile(99)-3.6e6) > 3.6e3 {
				t.Errorf("clamped %d max %v p99 %v", mv.Clamped, mv.Max, mv.Percentile(99))
			}
		}},
		// The largest duration Go has.
		{"max duration", []HTTPSample{{Duration: math.MaxInt64, Waiting: math.MaxInt64}}, func(t *testing.T, s *Snapshot) {
			if mv, _ := s.Get("http_req_waiting"); mv.Clamped != 1 {
				t.Errorf("clamped = %d", mv.Clamped)
			}
		}},
		// Nonsense status and error codes become tags like any other.
		{"odd codes", []HTTPSample{{Status: -1, ErrorCode: math.MaxInt32}}, func(t *testing.T, s *Snapshot) {
			if v := mustAggregate(t, s, "http_reqs", "count", 0); v != 1 {
				t.Errorf("count = %v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := mustRegistry(t, Config{})
			rec := reg.Recorder()
			for i := range tt.samples {
				rec.HTTP(&tt.samples[i]) // nil Tags too
			}
			tt.check(t, reg.Snapshot())
		})
	}
}

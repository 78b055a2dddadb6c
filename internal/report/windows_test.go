package report

import (
	"encoding/json"
	"testing"
)

// TestWindowSeriesJSON: a series is one string in JSON, "-" for a window without data, and
// reads back as it was; a plain array reads too; anything else is an error, not a guess.
func TestWindowSeriesJSON(t *testing.T) {
	t.Parallel()
	a, b := 0.52, 1e-4
	in := WindowSeries{&a, nil, &b}
	out, err := json.Marshal(in)
	if err != nil || string(out) != `"0.52 - 0.0001"` {
		t.Fatalf("marshal: %s %v", out, err)
	}
	var back WindowSeries
	if err := json.Unmarshal(out, &back); err != nil || len(back) != 3 || *back[0] != a || back[1] != nil || *back[2] != b {
		t.Fatalf("unmarshal: %v %v", back, err)
	}
	// A plain array reads too.
	if err := json.Unmarshal([]byte(`[1, null, 2]`), &back); err != nil || len(back) != 3 || back[1] != nil || *back[2] != 2 {
		t.Fatalf("array: %v %v", back, err)
	}
	for _, bad := range []string{`["x"]`, `"1 x 2"`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

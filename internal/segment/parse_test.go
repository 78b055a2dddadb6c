package segment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/segment"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		seg, seq string
		want     string // the segment
		wantSeq  string // its sequence
		index    int
	}{
		// No flags: the whole test.
		{"nothing", "", "", "0:1", "0,1", 0},
		// k6's documented form, fractions not reduced.
		{"fractions", "1/4:2/4", "0,1/4,2/4,3/4,1", "1/4:1/2", "0,1/4,1/2,3/4,1", 1},
		// Decimals and percentages mean the same; one of n equal segments without a sequence
		// is taken from the n equal segments, so that processes given only their segments
		// still fit together.
		{"decimals", "0.25:0.5", "", "1/4:1/2", "0,1/4,1/2,3/4,1", 1},
		{"percentages", "25%:50%", "", "1/4:1/2", "0,1/4,1/2,3/4,1", 1},
		{"mixed", "2/4:75%", "", "1/2:3/4", "0,1/4,1/2,3/4,1", 2},
		{"decimal percentage", "12.5%:25%", "", "1/8:1/4", "0,1/8,1/4,3/8,1/2,5/8,3/4,7/8,1", 1},
		{"leading point", ".5:1", "", "1/2:1", "0,1/2,1", 1},
		// A single value is the end of a segment from 0 (k6).
		{"single value", "1/4", "", "0:1/4", "0,1/4,1/2,3/4,1", 0},
		{"single percentage", "50%", "", "0:1/2", "0,1/2,1", 0},
		// 0:1 with no sequence is the whole test.
		{"explicit whole", "0:1", "", "0:1", "0,1", 0},
		// Not one of n equal segments: filled in as k6 fills it.
		{"uneven, filled", "1/4:3/4", "", "1/4:3/4", "0,1/4,3/4,1", 1},
		// 1/3:1/2 is the third of six equal segments.
		{"a sixth", "1/3:1/2", "", "1/3:1/2", "0,1/6,1/3,1/2,2/3,5/6,1", 2},
		{"from 0, filled", "0:2/3", "", "0:2/3", "0,2/3,1", 0},
		// An uneven sequence.
		{"uneven sequence", "1/3:1/2", "0,1/3,1/2,1", "1/3:1/2", "0,1/3,1/2,1", 1},
		// A sequence that leaves out 0 and 1 gets them (k6); blanks around points are fine.
		{"sequence filled", "1/4:1/2", "1/4, 1/2", "1/4:1/2", "0,1/4,1/2,1", 1},
		{"blanks", " 0:1/2 ", " 0 , 1/2 , 1 ", "0:1/2", "0,1/2,1", 0},
		// Digits are decimal: no octal or hex prefixes.
		{"leading zeros", "010/100:1/5", "", "1/10:1/5", "0,1/10,1/5,3/10,2/5,1/2,3/5,7/10,4/5,9/10,1", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := segment.Parse(tt.seg, tt.seq)
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tt.seg, tt.seq, err)
			}
			if g.String() != tt.want || g.Sequence().String() != tt.wantSeq || g.Index() != tt.index {
				t.Errorf("Parse(%q, %q) = %s #%d of %s; want %s #%d of %s", tt.seg, tt.seq,
					g, g.Index(), g.Sequence(), tt.want, tt.index, tt.wantSeq)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		seg, seq string
		want     string // in the message
		syntax   bool   // wraps ErrSyntax
	}{
		// A sequence alone does not say which share is this process's.
		{"sequence without segment", "", "0,1/2,1", `sequence "0,1/2,1": it needs an execution segment`, false},
		{"start after end", "1/2:1/4", "", `segment "1/2:1/4": its start 1/2 must be less than its end 1/4`, false},
		{"empty segment", "1/2:1/2", "", "must be less than its end", false},
		{"past 1", "0:5/4", "", `its end 5/4 is past 1`, false},
		{"percentage past 1", "150%", "", `its end 3/2 is past 1`, false},
		{"negative", "-1/4:1/2", "", `"-1/4"`, true},
		{"word", "half", "", `segment "half": "half": want a fraction`, true},
		{"hex", "0x1/4", "", `"0x1/4"`, true},
		{"exponent", "1e-1", "", `"1e-1"`, true},
		{"trailing point", "5.:1", "", `"5."`, true},
		{"lone point", ".", "", `"."`, true},
		{"lone percent", "%", "", `"%"`, true},
		{"zero denominator", "1/0", "", `"1/0": the denominator is 0`, false},
		{"not in sequence", "1/4:1/2", "0,1/3,2/3,1", `segment "1/4:1/2": not one of the segments of the sequence "0,1/3,2/3,1"`, false},
		{"sequence out of order", "0:1/2", "0,1/2,1/4,1", "1/4 must be more than the point before it, 1/2", false},
		{"sequence repeats", "0:1/2", "0,1/2,1/2,1", "1/2 must be more than the point before it", false},
		{"one point", "0:1/2", "1/2", "want at least two points", false},
		{"sequence past 1", "0:1/2", "0,1/2,3/2", "3/2 is past 1", false},
		{"bad point in sequence", "0:1/2", "0,a,1", `sequence "0,a,1": "a"`, true},
		{"empty point in sequence", "0:1/2", "0,,1", `sequence "0,,1": ""`, true},
		// 1048583 is a prime above MaxCycle.
		{"cycle too long", "0:1/1048583", "", "least common denominator is more than 1048576", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := segment.Parse(tt.seg, tt.seq)
			if err == nil {
				t.Fatalf("Parse(%q, %q): no error, want one containing %q", tt.seg, tt.seq, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q, %q) error %q, want it to contain %q", tt.seg, tt.seq, err, tt.want)
			}
			if got := errors.Is(err, segment.ErrSyntax); got != tt.syntax {
				t.Errorf("errors.Is(%q, ErrSyntax) = %v, want %v", err, got, tt.syntax)
			}
		})
	}
}

func TestParseNth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, wantSeq, wantErr string
	}{
		// 1-based: the first of four ends at 1/4, as k6 reads "1/4".
		{in: "1/4", want: "0:1/4", wantSeq: "0,1/4,1/2,3/4,1"},
		{in: "2/4", want: "1/4:1/2", wantSeq: "0,1/4,1/2,3/4,1"},
		{in: "4/4", want: "3/4:1", wantSeq: "0,1/4,1/2,3/4,1"},
		{in: "3/3", want: "2/3:1", wantSeq: "0,1/3,2/3,1"},
		{in: "1/1", want: "0:1", wantSeq: "0,1"},
		{in: "0/4", wantErr: "1 ≤ i ≤ n"},
		{in: "5/4", wantErr: "1 ≤ i ≤ n"},
		{in: "1/0", wantErr: "1 ≤ i ≤ n"},
		{in: "2", wantErr: `segment "2": want i/n`},
		{in: "a/4", wantErr: "want i/n"},
		{in: "-1/4", wantErr: "want i/n"},
		{in: "1/2000000", wantErr: "between 1 and 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			g, err := segment.ParseNth(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseNth(%q) error %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNth(%q): %v", tt.in, err)
			}
			if g.String() != tt.want || g.Sequence().String() != tt.wantSeq {
				t.Errorf("ParseNth(%q) = %s of %s, want %s of %s", tt.in, g, g.Sequence(), tt.want, tt.wantSeq)
			}
			// The shorthand and k6's flags name the same segment of the same sequence.
			k6, err := segment.Parse(tt.want, tt.wantSeq)
			if err != nil || k6.String() != g.String() || k6.Sequence().String() != g.Sequence().String() || k6.Index() != g.Index() {
				t.Errorf("Parse(%q, %q) = %v, %v; want the segment ParseNth gave", tt.want, tt.wantSeq, k6, err)
			}
		})
	}
}

func TestParseSequence(t *testing.T) {
	t.Parallel()
	s, err := segment.ParseSequence("0,1/3,50%,1")
	if err != nil {
		t.Fatalf("ParseSequence: %v", err)
	}
	if s.String() != "0,1/3,1/2,1" || s.Len() != 3 || s.Cycle() != 6 {
		t.Errorf("ParseSequence = %s (%d segments, cycle %d), want 0,1/3,1/2,1 (3, 6)", s, s.Len(), s.Cycle())
	}
	var got []string
	for _, g := range s.Segments() {
		got = append(got, g.String())
	}
	if strings.Join(got, " ") != "0:1/3 1/3:1/2 1/2:1" {
		t.Errorf("Segments = %v", got)
	}
	if _, err := segment.ParseSequence("0,1/2,1/3,1"); err == nil {
		t.Errorf("ParseSequence(0,1/2,1/3,1): no error for points out of order")
	}
	var zero segment.Sequence
	if zero.String() != "0,1" || zero.Len() != 1 || zero.Segments()[0].String() != "0:1" {
		t.Errorf("zero Sequence = %s with %d segments, want the whole test", zero, zero.Len())
	}
}

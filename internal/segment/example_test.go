package segment_test

import (
	"fmt"

	"github.com/ramp-dev/ramp/internal/segment"
)

// The second of four processes: its share of 10 VUs, of 1,000 iterations, and the global
// numbers of its first arrivals: equal segments take turns, so it has every fourth from 1.
func ExampleParse() {
	g, err := segment.Parse("1/4:2/4", "0,1/4,2/4,3/4,1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g, "of", g.Sequence())
	fmt.Println("VUs:", g.Scale(10), "iterations:", g.Scale(1000))
	for m := range int64(5) {
		fmt.Print(g.Global(m), " ")
	}
	fmt.Println()
	// Output:
	// 1/4:1/2 of 0,1/4,1/2,3/4,1
	// VUs: 3 iterations: 250
	// 1 5 9 13 17
}

// An uneven split, 1/3 + 1/6 + 1/2: the shares of 7 VUs add up to 7 and the arrivals of the
// three segments interleave.
func ExampleSequence() {
	s, err := segment.ParseSequence("0,1/3,1/2,1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range s.Segments() {
		fmt.Print(g, " owns ", g.Scale(7), " of 7 VUs; arrivals")
		for m := range int64(3) {
			fmt.Print(" ", g.Global(m))
		}
		fmt.Println()
	}
	// Output:
	// 0:1/3 owns 2 of 7 VUs; arrivals 1 4 7
	// 1/3:1/2 owns 1 of 7 VUs; arrivals 3 9 15
	// 1/2:1 owns 4 of 7 VUs; arrivals 0 2 5
}

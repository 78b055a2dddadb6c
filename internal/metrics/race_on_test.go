//go:build race

package metrics

// raceEnabled lets heavy tests shrink under the race detector, which slows recording tenfold.
const raceEnabled = true

//go:build race

package flow

// allocSlack widens allocation bounds under the race detector, whose runtime allocates
// shadow state of its own on the paths a test measures (TotalAlloc is process-wide).
const allocSlack = 4

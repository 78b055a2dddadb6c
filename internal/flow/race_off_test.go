//go:build !race

package flow

// allocSlack widens allocation bounds under the race detector (see race_on_test.go).
const allocSlack = 1

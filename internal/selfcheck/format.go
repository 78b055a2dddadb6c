package selfcheck

import "strconv"

// trimZeros formats f with one decimal, dropping a trailing ".0".
func trimZeros(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

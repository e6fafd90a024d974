// Package clip bounds input quoted in error messages, so a long or hostile
// value cannot flood a log: at most Max bytes, then "…".
package clip

// Max is the most bytes of input an error quotes.
const Max = 64

// String returns s, cut to Max bytes followed by "…" when longer.
func String(s string) string {
	if len(s) > Max {
		return s[:Max] + "…"
	}
	return s
}

// Bytes is String for a byte slice.
func Bytes(b []byte) string {
	if len(b) > Max {
		return string(b[:Max]) + "…"
	}
	return string(b)
}

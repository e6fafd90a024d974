package clip

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	long := strings.Repeat("x", Max+10)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{long[:Max], long[:Max]},
		{long, long[:Max] + "…"},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%d bytes) = %q, want %q", len(tc.in), got, tc.want)
		}
		if got := Bytes([]byte(tc.in)); got != tc.want {
			t.Errorf("Bytes(%d bytes) = %q, want %q", len(tc.in), got, tc.want)
		}
	}
}

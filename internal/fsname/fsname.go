// Package fsname makes file names from the lab's labels (variant labels,
// cells, run ids): one rule for every file the harness writes.
package fsname

// Safe keeps the ASCII letters, digits, '-', '_' and '.' of s and
// replaces every other byte with '_'.
func Safe(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

package http1

// Byte classes of RFC 9110 section 5.6, as lookup tables.

var (
	isTchar     [256]bool // tchar: token characters
	isTargetOK  [256]bool // bytes allowed in a request-target: %x21-7E but '#'
	isHostByte  [256]bool // bytes allowed in Host and an absolute-form authority
	isFieldByte [256]bool // VCHAR, SP, HTAB (no obs-text: see validValue)
)

func init() {
	for c := 'a'; c <= 'z'; c++ {
		isTchar[c] = true
		isTchar[c-'a'+'A'] = true
		isHostByte[c] = true
		isHostByte[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		isTchar[c] = true
		isHostByte[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		isTchar[c] = true
	}
	for _, c := range "-._~:[]" {
		isHostByte[c] = true
	}
	for c := 0x21; c <= 0x7e; c++ {
		isTargetOK[c] = c != '#'
	}
	for c := 0; c < 256; c++ {
		isFieldByte[c] = c == '\t' || c >= 0x20 && c < 0x7f
	}
}

// validValue reports whether v holds only VCHAR, SP and HTAB. RFC 9110 also
// allows obs-text (%x80-FF), but net/textproto rejects it, and this package
// stays at least as strict as net/http.
func validValue(v []byte) bool {
	for _, c := range v {
		if !isFieldByte[c] {
			return false
		}
	}
	return true
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// ASCII case in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// trimOWS removes leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextListElem returns the first element of a comma-separated list, trimmed
// of OWS, and the rest of the list after the comma.
func nextListElem(v []byte) (elem, rest []byte) {
	for i, c := range v {
		if c == ',' {
			return trimOWS(v[:i]), v[i+1:]
		}
	}
	return trimOWS(v), nil
}

// listHasToken reports whether the comma-separated list v contains the
// lower-case token tok, ignoring ASCII case.
func listHasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var e []byte
		e, v = nextListElem(v)
		if equalFold(e, tok) {
			return true
		}
	}
	return false
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

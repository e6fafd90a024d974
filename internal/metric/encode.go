package metric

import (
	"strconv"
	"unicode/utf8"
)

// AppendLine appends m as one JSON Lines record ending in '\n':
//
//	{"timestamp":1732640000000,"name":"cpu","value":75.5,"type":"gauge","tags":{"host":"a"}}
//
// defaultTS (ms) is used when the metric carries no timestamp. "type" and
// "tags" appear only when given. Strings are escaped exactly as a JSON
// encoder must (the seed concatenated the raw name into the line, which lets
// a name containing `"` or a newline corrupt the file); the encoding is
// checked against encoding/json in the tests. m must have passed Validate.
func AppendLine(dst []byte, m *Metric, defaultTS int64) []byte {
	ts := defaultTS
	if m.HasTimestamp {
		ts = m.Timestamp
	}
	dst = append(dst, `{"timestamp":`...)
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, `,"name":`...)
	dst = AppendString(dst, m.Name)
	dst = append(dst, `,"value":`...)
	dst = AppendFloat(dst, m.Value)
	if m.Type != "" {
		dst = append(dst, `,"type":`...)
		dst = AppendString(dst, m.Type)
	}
	if len(m.Tags) > 0 {
		dst = append(dst, `,"tags":{`...)
		for i, t := range m.Tags {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, t.Key)
			dst = append(dst, ':')
			dst = AppendString(dst, t.Value)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}', '\n')
}

// AppendBatch appends every metric of ms as one line each.
func AppendBatch(dst []byte, ms []Metric, defaultTS int64) []byte {
	for i := range ms {
		dst = AppendLine(dst, &ms[i], defaultTS)
	}
	return dst
}

// AppendFloat appends a finite float the way encoding/json formats float64.
func AppendFloat(dst []byte, f float64) []byte {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string with encoding/json's escaping
// (HTML-safe escapes of <, > and & included, invalid UTF-8 as U+FFFD).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

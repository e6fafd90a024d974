package parser

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"metricstream/internal/metric"
)

// FSM is the seed's chapter 6 parser: one pass over the bytes, each byte
// looked at once, no searching, no copying. The seed's ParseState enum
// becomes the call stack of a recursive-descent parser (body → metrics array
// → metric object → tags object), which is the same state machine with the
// states named by functions; it is what every preset from phase3 on runs.
//
// Allocation: the metrics slice, the tags backing slice and a scratch arena
// for unescaped strings are kept in the FSM and reused ([:0]) by the next
// Parse, so in steady state a batch costs no allocation at all. Strings that
// need no unescaping alias body (unsafe.String); strings with escapes point
// into the arena. Numbers are checked against JSON's grammar here and
// converted by strconv on the byte span, without a copy.
//
// Lifetime: the returned slice, the metrics' Tags and every string in them
// are valid until the next call to Parse on the same FSM, and only while the
// caller leaves body unmodified. Copy what must outlive that. Until that
// next Parse the FSM's buffers also keep the last body reachable.
//
// What the seed got wrong: its parse_number accepts anything made of digits,
// '.' and '-' ("1-2..3") and hands strtod an end pointer it ignores; its
// states skip bytes they do not expect instead of rejecting them, so
// trailing garbage, unknown keys and duplicates go unnoticed; its buffers
// are std::string copies. FSM rejects every byte the grammar does not allow.
type FSM struct {
	ms    []metric.Metric
	tags  []metric.Tag
	arena []byte              // unescaped strings of the current Parse; append-only within it
	seen  map[string]struct{} // duplicate tag keys, once a metric has many tags
}

var _ Parser = (*FSM)(nil)

// NewFSM returns a single-pass parser. Keep one per connection: it is not
// safe for concurrent use, and its buffers grow to the largest batch seen.
func NewFSM() Parser { return &FSM{} }

// linearTags is the number of tags of one metric up to which duplicate keys
// are found by a linear scan; beyond it a map keeps the check linear.
const linearTags = 16

// Field bits of a metric object, to detect duplicate and missing keys.
const (
	fName uint8 = 1 << iota
	fValue
	fType
	fTimestamp
	fTags
)

// Parse implements Parser.
func (p *FSM) Parse(body []byte) ([]metric.Metric, error) {
	p.ms = p.ms[:0]
	p.tags = p.tags[:0]
	p.arena = p.arena[:0]
	if len(p.seen) > 0 {
		clear(p.seen) // left by a failed Parse
	}
	b := body
	i := skipWS(b, 0)
	if i == len(b) {
		return nil, metric.Errorf(-1, "empty body: want {\"metrics\":[...]}")
	}
	if b[i] != '{' {
		return nil, metric.Errorf(-1, "the body must be a JSON object {\"metrics\":[...]}, got %s", near(b, i))
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil, metric.Errorf(-1, "missing key \"metrics\": the body must be {\"metrics\":[...]}")
	}
	found := false
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, syntax(b, i, -1, "want a quoted key")
		}
		key, j, err := p.str(b, i, -1)
		if err != nil {
			return nil, err
		}
		if key != "metrics" {
			return nil, metric.Errorf(-1, "unknown key %s: the body must be {\"metrics\":[...]}", metric.Quote(key))
		}
		if found {
			return nil, metric.Errorf(-1, "duplicate key \"metrics\"")
		}
		found = true
		if i, err = colon(b, j, -1); err != nil {
			return nil, err
		}
		if i, err = p.array(b, i); err != nil {
			return nil, err
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return nil, syntax(b, i, -1, "want ',' or '}' after \"metrics\"")
	}
	if i = skipWS(b, i+1); i != len(b) {
		return nil, metric.Errorf(-1, "unexpected %s after the JSON object", near(b, i))
	}
	return p.ms, nil
}

// array parses the metrics array at b[i] and appends to p.ms.
func (p *FSM) array(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '[' {
		return 0, syntax(b, i, -1, "\"metrics\" must be an array")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		if len(p.ms) == metric.MaxBatch {
			return 0, metric.Errorf(-1, "batch too large: more than %d metrics", metric.MaxBatch)
		}
		var err error
		if i, err = p.metric(b, i); err != nil {
			return 0, err
		}
		i = skipWS(b, i)
		if i < len(b) {
			if b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if b[i] == ']' {
				return i + 1, nil
			}
		}
		return 0, syntax(b, i, -1, "want ',' or ']' in \"metrics\"")
	}
}

// metric parses one metric object at b[i] into a new element of p.ms.
func (p *FSM) metric(b []byte, i int) (int, error) {
	idx := len(p.ms)
	if i >= len(b) || b[i] != '{' {
		return 0, syntax(b, i, idx, "want a metric object {\"name\":..., \"value\":...}")
	}
	p.ms = append(p.ms, metric.Metric{})
	m := &p.ms[idx] // p.ms does not grow while m is in use
	i = skipWS(b, i+1)
	var seen uint8
	if i < len(b) && b[i] == '}' {
		i++
		goto done
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, syntax(b, i, idx, "want a quoted key")
		}
		key, j, err := p.str(b, i, idx)
		if err != nil {
			return 0, err
		}
		var bit uint8
		switch key {
		case "name":
			bit = fName
		case "value":
			bit = fValue
		case "type":
			bit = fType
		case "timestamp":
			bit = fTimestamp
		case "tags":
			bit = fTags
		default:
			return 0, metric.Errorf(idx, "unknown key %s: want name, value, type, timestamp or tags", metric.Quote(key))
		}
		if seen&bit != 0 {
			return 0, metric.Errorf(idx, "duplicate key %s", metric.Quote(key))
		}
		seen |= bit
		if i, err = colon(b, j, idx); err != nil {
			return 0, err
		}
		switch bit {
		case fName, fType:
			if i >= len(b) || b[i] != '"' {
				return 0, syntax(b, i, idx, strconv.Quote(key)+" must be a string")
			}
			var s string
			if s, i, err = p.str(b, i, idx); err != nil {
				return 0, err
			}
			if bit == fName {
				m.Name = s
			} else {
				m.Type = s
			}
		case fValue:
			if m.Value, i, err = value(b, i, idx); err != nil {
				return 0, err
			}
		case fTimestamp:
			if m.Timestamp, i, err = timestamp(b, i, idx); err != nil {
				return 0, err
			}
			m.HasTimestamp = true
		case fTags:
			if i, err = p.tagsObject(b, i, m, idx); err != nil {
				return 0, err
			}
		}
		i = skipWS(b, i)
		if i < len(b) {
			if b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if b[i] == '}' {
				i++
				break
			}
		}
		return 0, syntax(b, i, idx, "want ',' or '}' in the metric")
	}
done:
	if seen&fName == 0 {
		return 0, metric.Errorf(idx, "missing \"name\"")
	}
	if seen&fValue == 0 {
		return 0, metric.Errorf(idx, "missing \"value\"")
	}
	return i, nil
}

// tagsObject parses {"k":"v",...} at b[i] into m.Tags, in input order.
func (p *FSM) tagsObject(b []byte, i int, m *metric.Metric, idx int) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return 0, syntax(b, i, idx, "\"tags\" must be an object of strings")
	}
	start := len(p.tags)
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, syntax(b, i, idx, "\"tags\": want a quoted key")
		}
		key, j, err := p.str(b, i, idx)
		if err != nil {
			return 0, err
		}
		if p.dupTag(p.tags[start:], key) {
			return 0, metric.Errorf(idx, "duplicate tag key %s", metric.Quote(key))
		}
		if i, err = colon(b, j, idx); err != nil {
			return 0, err
		}
		if i >= len(b) || b[i] != '"' {
			return 0, syntax(b, i, idx, "tag "+metric.Quote(key)+" must be a string")
		}
		var val string
		if val, i, err = p.str(b, i, idx); err != nil {
			return 0, err
		}
		p.tags = append(p.tags, metric.Tag{Key: key, Value: val})
		i = skipWS(b, i)
		if i < len(b) {
			if b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if b[i] == '}' {
				i++
				break
			}
		}
		return 0, syntax(b, i, idx, "\"tags\": want ',' or '}'")
	}
	n := len(p.tags)
	m.Tags = p.tags[start:n:n] // capped: a caller's append cannot clobber the next metric's tags
	if n-start > linearTags {
		clear(p.seen) // do not keep strings of this body alive
	}
	return i, nil
}

// dupTag reports whether key is among tags (the metric's tags so far).
func (p *FSM) dupTag(tags []metric.Tag, key string) bool {
	if len(tags) < linearTags {
		for k := range tags {
			if tags[k].Key == key {
				return true
			}
		}
		return false
	}
	if len(tags) == linearTags {
		if p.seen == nil {
			p.seen = make(map[string]struct{})
		}
		clear(p.seen)
		for k := range tags {
			p.seen[tags[k].Key] = struct{}{}
		}
	}
	if _, ok := p.seen[key]; ok {
		return true
	}
	p.seen[key] = struct{}{}
	return false
}

// str parses the string literal at b[i] (b[i] == '"') and returns it and
// the index after it. Without escapes the result aliases b.
func (p *FSM) str(b []byte, i, idx int) (string, int, error) {
	start := i + 1
	for j := plainRun(b, start); j < len(b); j++ {
		c := b[j]
		if c == '"' {
			if j == start {
				return "", j + 1, nil
			}
			return unsafe.String(&b[start], j-start), j + 1, nil
		}
		if c == '\\' {
			return p.strEscaped(b, start, j, idx)
		}
		if c < 0x20 {
			return "", 0, metric.Errorf(idx, "control character 0x%02x in a string at byte %d: escape it", c, j)
		}
	}
	return "", 0, syntax(b, len(b), idx, "unterminated string")
}

// plainRun returns the index of the first byte at or after j that ends a
// run of plain string bytes: '"', '\\' or a control byte (< 0x20), or
// len(b). It looks at 8 bytes at a time (SWAR): for each of the three tests
// the lowest flagged byte of a word is a true hit (a false flag can only
// appear above a true one, where a borrow came from), so the lowest flag of
// their union is the first stop byte.
func plainRun(b []byte, j int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; j+8 <= len(b); j += 8 {
		x := binary.LittleEndian.Uint64(b[j:])
		q := x ^ (ones * '"')
		s := x ^ (ones * '\\')
		stop := ((q - ones) &^ q) | ((s - ones) &^ s) | ((x - ones*0x20) &^ x)
		if stop &= highs; stop != 0 {
			return j + bits.TrailingZeros64(stop)/8
		}
	}
	for ; j < len(b); j++ {
		if c := b[j]; c == '"' || c == '\\' || c < 0x20 {
			return j
		}
	}
	return j
}

// strEscaped is str's slow path, entered at the first backslash b[j]: it
// unescapes into the arena. Earlier strings of this Parse stay valid when
// the arena grows, as they keep its old array alive.
func (p *FSM) strEscaped(b []byte, start, j, idx int) (string, int, error) {
	off := len(p.arena)
	p.arena = append(p.arena, b[start:j]...)
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			n := len(p.arena) - off
			if n == 0 {
				return "", j + 1, nil
			}
			return unsafe.String(&p.arena[off], n), j + 1, nil
		case c < 0x20:
			return "", 0, metric.Errorf(idx, "control character 0x%02x in a string at byte %d: escape it", c, j)
		case c != '\\':
			k := plainRun(b, j+1)
			p.arena = append(p.arena, b[j:k]...)
			j = k
			continue
		}
		if j+1 >= len(b) {
			break
		}
		switch e := b[j+1]; e {
		case '"', '\\', '/':
			p.arena = append(p.arena, e)
		case 'b':
			p.arena = append(p.arena, '\b')
		case 'f':
			p.arena = append(p.arena, '\f')
		case 'n':
			p.arena = append(p.arena, '\n')
		case 'r':
			p.arena = append(p.arena, '\r')
		case 't':
			p.arena = append(p.arena, '\t')
		case 'u':
			r, ok := hex4(b, j+2)
			if !ok {
				return "", 0, syntax(b, j, idx, "invalid \\u escape")
			}
			j += 6
			if r >= 0xD800 && r < 0xE000 {
				if r >= 0xDC00 {
					return "", 0, syntax(b, j-6, idx, "lone surrogate")
				}
				var r2 rune
				if j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
					r2, ok = hex4(b, j+2)
				} else {
					ok = false
				}
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return "", 0, syntax(b, j-6, idx, "lone surrogate")
				}
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				j += 6
			}
			p.arena = utf8.AppendRune(p.arena, r)
			continue
		default:
			return "", 0, syntax(b, j, idx, "invalid escape")
		}
		j += 2
	}
	return "", 0, syntax(b, len(b), idx, "unterminated string")
}

// hex4 decodes the four hex digits at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// value parses the number at b[i]. Overflow (1e400) gives ±Inf, which the
// server's metric.ValidateBatch rejects as not finite.
func value(b []byte, i, idx int) (float64, int, error) {
	end, _, err := number(b, i, idx, `"value"`)
	if err != nil {
		return 0, 0, err
	}
	if f, ok := exactDecimal(b[i:end]); ok {
		return f, end, nil
	}
	f, err := strconv.ParseFloat(unsafe.String(&b[i], end-i), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0, syntax(b, i, idx, "\"value\" must be a number")
		}
	}
	return f, end, nil
}

var negZero = math.Copysign(0, -1)

// pow10 holds the powers of ten that a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactDecimal converts a number without exponent and with at most 15
// digits, such as 1234.5 or -75: the digits form an integer below 2^53 and
// 10^frac is exact, so one IEEE division gives the correctly rounded
// result (Clinger's fast path, which strconv takes too, without strconv's
// general parsing around it). ok is false for anything else.
func exactDecimal(num []byte) (f float64, ok bool) {
	k := 0
	neg := num[0] == '-'
	if neg {
		k++
	}
	var mant uint64
	digits, frac := 0, -1
	for ; k < len(num); k++ {
		c := num[k]
		if c == '.' {
			frac = 0
			continue
		}
		if c < '0' || c > '9' {
			return 0, false // exponent
		}
		mant = mant*10 + uint64(c-'0')
		digits++
		if frac >= 0 {
			frac++
		}
	}
	if digits > 15 {
		return 0, false
	}
	f = float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		if f == 0 {
			return negZero, true
		}
		f = -f
	}
	return f, true
}

// timestamp parses the integer at b[i]: no fraction, no exponent, int64.
func timestamp(b []byte, i, idx int) (int64, int, error) {
	end, integer, err := number(b, i, idx, `"timestamp"`)
	if err != nil {
		return 0, 0, err
	}
	if !integer {
		return 0, 0, syntax(b, i, idx, "\"timestamp\" must be an integer number of milliseconds")
	}
	if end-i <= 18 {
		// Up to 18 digits fit in an int64 whatever they are.
		var n int64
		k := i
		if b[k] == '-' {
			k++
		}
		for ; k < end; k++ {
			n = n*10 + int64(b[k]-'0')
		}
		if b[i] == '-' {
			n = -n
		}
		return n, end, nil
	}
	n, err := strconv.ParseInt(unsafe.String(&b[i], end-i), 10, 64)
	if err != nil {
		return 0, 0, syntax(b, i, idx, "\"timestamp\" does not fit in 64 bits")
	}
	return n, end, nil
}

// number checks JSON's number grammar at b[i]:
//
//	-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
//
// and returns the end of the number and whether it had neither fraction nor
// exponent. NaN and Infinity get the message the contract asks for.
func number(b []byte, i, idx int, field string) (end int, integer bool, err error) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	if j >= len(b) {
		return 0, false, syntax(b, i, idx, field+" must be a number")
	}
	switch c := b[j]; {
	case c == '0':
		j++
	case c >= '1' && c <= '9':
		j++
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	case c == 'N' || c == 'I':
		if field == `"value"` {
			return 0, false, syntax(b, i, idx, "value must be finite: NaN and Infinity are not JSON numbers")
		}
		return 0, false, syntax(b, i, idx, field+" must be a number: NaN and Infinity are not JSON numbers")
	default:
		return 0, false, syntax(b, i, idx, field+" must be a number")
	}
	integer = true
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return 0, false, syntax(b, i, idx, field+" must be a number: digits must follow '.'")
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		integer = false
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return 0, false, syntax(b, i, idx, field+" must be a number: digits must follow the exponent")
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		integer = false
	}
	return j, integer, nil
}

// colon skips whitespace, a ':' and whitespace after the key ending at b[i].
func colon(b []byte, i, idx int) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return 0, syntax(b, i, idx, "want ':' after the key")
	}
	return skipWS(b, i+1), nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// syntax returns an error at b[i], quoting at most 64 bytes from there.
func syntax(b []byte, i, idx int, what string) error {
	if i >= len(b) {
		return metric.Errorf(idx, "%s: unexpected end of JSON", what)
	}
	return metric.Errorf(idx, "%s at byte %d, got %s", what, i, near(b, i))
}

// near quotes the input from b[i], bounded by metric.Quote.
func near(b []byte, i int) string {
	return metric.Quote(string(b[i:min(len(b), i+65)]))
}

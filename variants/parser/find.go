package parser

import (
	"regexp"
	"strconv"
	"strings"

	"metricstream/internal/metric"
)

// Find is the seed's chapter 5 parser: it locates things by searching the
// text (strings.Index, strings.IndexAny), cuts substrings out of it and
// searches those again. It is deliberately naive, and it is what the
// "baseline" preset runs.
//
// What the seed got wrong, and what Find does instead: the seed's
// find("]") after find("[") takes the first ']' as the end of the metrics
// array, find("}") the first '}' as the end of a metric, find("\"name\"")
// the first occurrence of the text anywhere, and find("\"") the first quote
// as the end of a string. A ']' or '}' inside a name, an escaped quote, a
// tag key called "name" or the word "value" inside a string all make it
// read the wrong bytes, and it accepts trailing garbage, unknown keys and
// duplicates without a word. Find keeps the search style but makes every
// search land where JSON says it must: a string ends at the first '"' that
// is preceded by an even number of backslashes (counted by searching
// backwards); a value's end is found by jumping from one structural
// character to the next with strings.IndexAny, skipping over strings and
// keeping a stack of the brackets it opened; each member is cut out as a
// key/value pair of substrings before the fields are looked up, one search
// over the members per field. Every substring it cuts is then interpreted
// by type (string, number, object), so every byte of an accepted body has
// been checked against the contract, which is exactly Parser's.
//
// Cost: the body is copied once, each byte is searched once per nesting
// level that contains it and once more when its value is interpreted,
// every string is unescaped into a new allocation, numbers are matched by a
// regular expression, and every field lookup re-unescapes every key of the
// metric: O(n·m) in the body size n and the number of fields m, with
// several allocations per metric. Pick it to measure what chapter 6 buys;
// never for speed.
type Find struct{}

var _ Parser = (*Find)(nil)

// NewFind returns the chapter 5 parser. It keeps no state between calls.
func NewFind() Parser { return &Find{} }

// jsonSpace is what JSON calls whitespace; strings.TrimSpace would also
// trim \v, \f, U+0085 and U+00A0, which JSON does not allow.
const jsonSpace = " \t\r\n"

var (
	numberRE    = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)
	timestampRE = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)$`)
)

// member is one "key": value pair of an object, both as raw JSON text.
type member struct {
	key   string // raw, quotes included
	value string // raw, trimmed of whitespace
}

// Parse implements Parser. The returned metrics own their strings.
func (*Find) Parse(body []byte) ([]metric.Metric, error) {
	text := string(body) // the seed's std::string: one copy of the body
	top, err := findObject(text, -1, "body")
	if err != nil {
		return nil, err
	}
	var arr string
	found := false
	for _, mb := range top {
		key, err := findUnquote(mb.key, -1)
		if err != nil {
			return nil, err
		}
		if key != "metrics" {
			return nil, metric.Errorf(-1, "unknown key %s: the body must be {\"metrics\":[...]}", metric.Quote(key))
		}
		if found {
			return nil, metric.Errorf(-1, "duplicate key \"metrics\"")
		}
		found, arr = true, mb.value
	}
	if !found {
		return nil, metric.Errorf(-1, "missing key \"metrics\": the body must be {\"metrics\":[...]}")
	}
	elems, err := findArray(arr)
	if err != nil {
		return nil, err
	}
	ms := make([]metric.Metric, 0, len(elems))
	for i, e := range elems {
		m, err := findMetric(e, i)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// findMetric interprets one metric object. Like the seed's
// extract_string_field it looks each field up separately, here by a search
// over the object's members rather than over its text.
func findMetric(text string, i int) (metric.Metric, error) {
	var m metric.Metric
	if !strings.HasPrefix(text, "{") {
		return m, metric.Errorf(i, "want an object {\"name\":..., \"value\":...}, got %s", metric.Quote(text))
	}
	members, err := findObject(text, i, "metric")
	if err != nil {
		return m, err
	}
	// Every key must be a known field, and appear once.
	known := map[string]bool{"name": true, "value": true, "type": true, "timestamp": true, "tags": true}
	seen := map[string]bool{}
	for _, mb := range members {
		key, err := findUnquote(mb.key, i)
		if err != nil {
			return m, err
		}
		if !known[key] {
			return m, metric.Errorf(i, "unknown key %s: want name, value, type, timestamp or tags", metric.Quote(key))
		}
		if seen[key] {
			return m, metric.Errorf(i, "duplicate key %s", metric.Quote(key))
		}
		seen[key] = true
	}

	name, ok := findField(members, "name")
	if !ok {
		return m, metric.Errorf(i, "missing \"name\"")
	}
	if m.Name, err = findString(name, i, "name"); err != nil {
		return m, err
	}
	value, ok := findField(members, "value")
	if !ok {
		return m, metric.Errorf(i, "missing \"value\"")
	}
	if m.Value, err = findNumber(value, i); err != nil {
		return m, err
	}
	if typ, ok := findField(members, "type"); ok {
		if m.Type, err = findString(typ, i, "type"); err != nil {
			return m, err
		}
	}
	if ts, ok := findField(members, "timestamp"); ok {
		if !timestampRE.MatchString(ts) {
			return m, metric.Errorf(i, "\"timestamp\" must be an integer number of milliseconds, got %s", metric.Quote(ts))
		}
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return m, metric.Errorf(i, "\"timestamp\" %s does not fit in 64 bits", metric.Quote(ts))
		}
		m.Timestamp, m.HasTimestamp = n, true
	}
	if tags, ok := findField(members, "tags"); ok {
		if m.Tags, err = findTags(tags, i); err != nil {
			return m, err
		}
	}
	return m, nil
}

// findField searches the members for the key, unescaping every key it
// passes: the naive lookup, repeated once per field.
func findField(members []member, key string) (string, bool) {
	for _, mb := range members {
		if k, err := findUnquote(mb.key, -1); err == nil && k == key {
			return mb.value, true
		}
	}
	return "", false
}

func findTags(text string, i int) ([]metric.Tag, error) {
	if !strings.HasPrefix(text, "{") {
		return nil, metric.Errorf(i, "\"tags\" must be an object of strings, got %s", metric.Quote(text))
	}
	members, err := findObject(text, i, "tags")
	if err != nil {
		return nil, err
	}
	tags := make([]metric.Tag, 0, len(members))
	seen := map[string]bool{}
	for _, mb := range members {
		k, err := findUnquote(mb.key, i)
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, metric.Errorf(i, "duplicate tag key %s", metric.Quote(k))
		}
		seen[k] = true
		v, err := findString(mb.value, i, "tags."+k)
		if err != nil {
			return nil, err
		}
		tags = append(tags, metric.Tag{Key: k, Value: v})
	}
	return tags, nil
}

func findString(text string, i int, field string) (string, error) {
	if !strings.HasPrefix(text, `"`) {
		return "", metric.Errorf(i, "%s must be a string, got %s", metric.Quote(field), metric.Quote(text))
	}
	return findUnquote(text, i)
}

func findNumber(text string, i int) (float64, error) {
	switch text {
	case "NaN", "Infinity", "-Infinity", "+Infinity":
		return 0, metric.Errorf(i, "value must be finite, got %s (not a JSON number)", text)
	}
	if !numberRE.MatchString(text) {
		return 0, metric.Errorf(i, "\"value\" must be a number, got %s", metric.Quote(text))
	}
	// ParseFloat reports overflow as ±Inf with ErrRange: the contract hands
	// ±Inf on, for metric.ValidateBatch to reject.
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRange(err) {
		return 0, metric.Errorf(i, "\"value\" must be a number, got %s", metric.Quote(text))
	}
	return f, nil
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// findArray cuts the elements of the metrics array out of text.
func findArray(text string) ([]string, error) {
	if !strings.HasPrefix(text, "[") {
		return nil, metric.Errorf(-1, "\"metrics\" must be an array, got %s", metric.Quote(text))
	}
	inner := text[1 : len(text)-1] // findValueEnd checked the closing ']'
	var elems []string
	pos := 0
	for {
		pos += len(inner[pos:]) - len(strings.TrimLeft(inner[pos:], jsonSpace))
		if pos == len(inner) {
			if len(elems) > 0 {
				return nil, metric.Errorf(-1, "\"metrics\": trailing comma")
			}
			return elems, nil
		}
		if len(elems) == metric.MaxBatch {
			return nil, metric.Errorf(-1, "batch too large: more than %d metrics", metric.MaxBatch)
		}
		end, err := findValueEnd(inner, pos, -1)
		if err != nil {
			return nil, err
		}
		elems = append(elems, inner[pos:end])
		pos = end + len(inner[end:]) - len(strings.TrimLeft(inner[end:], jsonSpace))
		if pos == len(inner) {
			return elems, nil
		}
		if inner[pos] != ',' {
			return nil, metric.Errorf(-1, "\"metrics\": want ',' or ']' after element %d, got %s", len(elems)-1, metric.Quote(inner[pos:]))
		}
		pos++
	}
}

// findObject checks that text (trimmed) is one object and cuts it into its
// members. what names the object in errors.
func findObject(text string, i int, what string) ([]member, error) {
	text = strings.Trim(text, jsonSpace)
	if text == "" {
		return nil, metric.Errorf(i, "%s is empty: want a JSON object", what)
	}
	if text[0] != '{' {
		return nil, metric.Errorf(i, "%s must be a JSON object, got %s", what, metric.Quote(text))
	}
	end, err := findValueEnd(text, 0, i)
	if err != nil {
		return nil, err
	}
	if end != len(text) {
		return nil, metric.Errorf(i, "%s: unexpected %s after the object", what, metric.Quote(text[end:]))
	}
	inner := text[1 : len(text)-1]
	var members []member
	pos := 0
	for {
		pos += len(inner[pos:]) - len(strings.TrimLeft(inner[pos:], jsonSpace))
		if pos == len(inner) {
			if len(members) > 0 {
				return nil, metric.Errorf(i, "%s: trailing comma", what)
			}
			return members, nil
		}
		if inner[pos] != '"' {
			return nil, metric.Errorf(i, "%s: want a quoted key, got %s", what, metric.Quote(inner[pos:]))
		}
		kEnd, err := findStringEnd(inner, pos, i)
		if err != nil {
			return nil, err
		}
		key := inner[pos:kEnd]
		colon := strings.IndexByte(inner[kEnd:], ':')
		if colon < 0 || strings.Trim(inner[kEnd:kEnd+colon], jsonSpace) != "" {
			return nil, metric.Errorf(i, "%s: want ':' after key %s", what, metric.Quote(key))
		}
		pos = kEnd + colon + 1
		pos += len(inner[pos:]) - len(strings.TrimLeft(inner[pos:], jsonSpace))
		if pos == len(inner) {
			return nil, metric.Errorf(i, "%s: missing value after key %s", what, metric.Quote(key))
		}
		vEnd, err := findValueEnd(inner, pos, i)
		if err != nil {
			return nil, err
		}
		members = append(members, member{key: key, value: inner[pos:vEnd]})
		pos = vEnd + len(inner[vEnd:]) - len(strings.TrimLeft(inner[vEnd:], jsonSpace))
		if pos == len(inner) {
			return members, nil
		}
		if inner[pos] != ',' {
			return nil, metric.Errorf(i, "%s: want ',' or '}' after key %s, got %s", what, metric.Quote(key), metric.Quote(inner[pos:]))
		}
		pos++
	}
}

// findValueEnd returns the index just past the value that starts at
// text[pos]. It only finds where the value ends; its contents are checked
// when the value is interpreted.
func findValueEnd(text string, pos, i int) (int, error) {
	switch text[pos] {
	case '"':
		return findStringEnd(text, pos, i)
	case '{', '[':
		// Jump from one bracket or quote to the next; strings are skipped
		// whole, so a ']' inside a name is not taken as the array's end.
		stack := []byte{closer(text[pos])}
		at := pos + 1
		for {
			k := strings.IndexAny(text[at:], `"{}[]`)
			if k < 0 {
				return 0, metric.Errorf(i, "unexpected end of JSON: missing %q", stack[len(stack)-1])
			}
			at += k
			switch c := text[at]; c {
			case '"':
				end, err := findStringEnd(text, at, i)
				if err != nil {
					return 0, err
				}
				at = end
				continue
			case '{', '[':
				stack = append(stack, closer(c))
			default:
				if c != stack[len(stack)-1] {
					return 0, metric.Errorf(i, "unbalanced JSON: want %q, got %q", stack[len(stack)-1], c)
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return at + 1, nil
				}
			}
			at++
		}
	default:
		// A scalar ends at the next delimiter.
		k := strings.IndexAny(text[pos:], ",}] \t\r\n")
		if k < 0 {
			return len(text), nil
		}
		if k == 0 {
			return 0, metric.Errorf(i, "want a value, got %s", metric.Quote(text[pos:]))
		}
		return pos + k, nil
	}
}

func closer(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

// findStringEnd returns the index just past the string whose opening quote
// is text[pos]: the first '"' after it with an even number of backslashes
// in front of it.
func findStringEnd(text string, pos, i int) (int, error) {
	at := pos + 1
	for {
		k := strings.IndexByte(text[at:], '"')
		if k < 0 {
			return 0, metric.Errorf(i, "unexpected end of JSON in string %s", metric.Quote(text[pos:]))
		}
		q := at + k
		bs := 0
		for j := q - 1; j > pos && text[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			return q + 1, nil
		}
		at = q + 1
	}
}

// findUnquote unescapes a JSON string literal, quotes included. It rejects
// raw control bytes, unknown escapes and lone surrogates; other bytes,
// invalid UTF-8 included, pass through for metric.Validate to judge.
func findUnquote(lit string, i int) (string, error) {
	s := lit[1 : len(lit)-1]
	if k := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }); k >= 0 {
		return "", metric.Errorf(i, "control character 0x%02x in string %s: escape it", s[k], metric.Quote(lit))
	}
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for {
		k := strings.IndexByte(s, '\\')
		if k < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:k])
		s = s[k:]
		if len(s) < 2 {
			return "", metric.Errorf(i, "invalid escape in string %s", metric.Quote(lit))
		}
		switch s[1] {
		case '"', '\\', '/':
			b.WriteByte(s[1])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := findHex4(s)
			if !ok {
				return "", metric.Errorf(i, "invalid \\u escape in string %s", metric.Quote(lit))
			}
			if r >= 0xD800 && r < 0xDC00 {
				r2, ok := findHex4(s[6:])
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return "", metric.Errorf(i, "lone surrogate \\u%04x in string %s", r, metric.Quote(lit))
				}
				b.WriteRune(0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00))
				s = s[12:]
				continue
			}
			if r >= 0xDC00 && r <= 0xDFFF {
				return "", metric.Errorf(i, "lone surrogate \\u%04x in string %s", r, metric.Quote(lit))
			}
			b.WriteRune(r)
			s = s[6:]
			continue
		default:
			return "", metric.Errorf(i, "invalid escape %s in string %s", metric.Quote(s[:2]), metric.Quote(lit))
		}
		s = s[2:]
	}
}

// findHex4 decodes the \uXXXX escape at the start of s.
func findHex4(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	// Base 16 (not 0): no sign, prefix or underscore is accepted.
	n, err := strconv.ParseUint(s[2:6], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}

package parser

import (
	"strconv"
	"strings"

	"metricstream/internal/metric"
)

// Careless is the seed's chapter 5 parser exactly as written: find the
// "metrics" key, the first '[' after it and the first ']' after that; cut
// the array out; cut each object from a '{' to the next '}'; in each object
// find "\"field\"", the ':' after it, and for a string the next two '"'
// (no unescaping); for a number the text after the ':' up to the next ','
// or '}'. It is a seed design, opt-in by spec (parser=careless),
// never in a preset: it is here to show with the conformance corpus where
// the seed's parse breaks (TestCarelessTable), not to be used.
//
// What it gets wrong, by input class (TestCarelessTable prints the count
// per class from the corpus):
//   - an escaped quote ends a string early: "a\"b" reads as `a\`;
//   - a ']' inside a string ends the array: {"name":"a]b"} loses the rest;
//   - a '}' of a nested object (tags) ends the metric early, and tags are
//     never read at all (the seed's chapter 5 does not parse them);
//   - trailing garbage, unknown keys, duplicate keys and wrong JSON types
//     are accepted without a word; "name" found inside a string value is
//     taken for the key.
//
// Where the seed's find returns npos (a field or bracket that is not
// there), C++'s substr throws std::out_of_range or reads garbage; Careless
// refuses the body with a 400 instead, the nearest behaviour that does not
// crash the server. Numbers go through strconv.ParseFloat like the seed's
// std::stod (which also takes "nan", "inf" and hex; ValidateBatch then
// rejects what is not finite).
type Careless struct {
	out []metric.Metric
}

var _ Parser = (*Careless)(nil)

// NewCareless returns the seed's literal chapter 5 parser.
func NewCareless() Parser { return &Careless{} }

// Parse implements Parser the seed's way; see Careless for what it breaks.
func (c *Careless) Parse(body []byte) ([]metric.Metric, error) {
	json := string(body)
	metricsPos := strings.Index(json, `"metrics"`)
	if metricsPos < 0 {
		return nil, metric.Errorf(-1, `careless: no "metrics" in the body`)
	}
	arrayStart := index(json, "[", metricsPos)
	if arrayStart < 0 {
		return nil, metric.Errorf(-1, `careless: no '[' after "metrics"`)
	}
	arrayEnd := index(json, "]", arrayStart)
	if arrayEnd < 0 {
		return nil, metric.Errorf(-1, "careless: no ']' after '['")
	}
	arr := json[arrayStart+1 : arrayEnd]
	c.out = c.out[:0]
	pos := 0
	for pos < len(arr) {
		objStart := index(arr, "{", pos)
		if objStart < 0 {
			break // the seed's loop would call substr(npos, ...) here
		}
		objEnd := index(arr, "}", objStart)
		if objEnd < 0 {
			return nil, metric.Errorf(len(c.out), "careless: no '}' after '{'")
		}
		m, err := parseSingleMetric(arr[objStart : objEnd+1])
		if err != nil {
			err.Index = len(c.out)
			return nil, err
		}
		c.out = append(c.out, m)
		if len(c.out) > metric.MaxBatch {
			return nil, metric.Errorf(-1, "batch too large: more than %d metrics", metric.MaxBatch)
		}
		pos = objEnd + 1
	}
	return c.out, nil
}

// parseSingleMetric is the seed's parse_single_metric: one search per field.
func parseSingleMetric(obj string) (metric.Metric, *metric.Error) {
	var m metric.Metric
	name, ok := extractStringField(obj, "name")
	if !ok {
		return m, metric.Errorf(0, `careless: missing "name"`)
	}
	m.Name = name
	v, ok := extractNumberField(obj, "value")
	if !ok {
		return m, metric.Errorf(0, `careless: missing or bad "value"`)
	}
	m.Value = v
	if t, ok := extractStringField(obj, "type"); ok {
		m.Type = t
	}
	if ts, ok := extractNumberField(obj, "timestamp"); ok {
		m.Timestamp, m.HasTimestamp = int64(ts), true
	}
	return m, nil
}

// extractStringField is the seed's extract_string_field: the text between
// the first two quotes after the ':' that follows "field".
func extractStringField(json, field string) (string, bool) {
	fieldPos := strings.Index(json, `"`+field+`"`)
	if fieldPos < 0 {
		return "", false
	}
	colon := index(json, ":", fieldPos)
	if colon < 0 {
		return "", false
	}
	quoteStart := index(json, `"`, colon)
	if quoteStart < 0 {
		return "", false
	}
	quoteEnd := index(json, `"`, quoteStart+1)
	if quoteEnd < 0 {
		return "", false
	}
	return json[quoteStart+1 : quoteEnd], true
}

// extractNumberField reads the number after "field": up to the next ',' or
// '}', like std::stod on the substring after the colon.
func extractNumberField(json, field string) (float64, bool) {
	fieldPos := strings.Index(json, `"`+field+`"`)
	if fieldPos < 0 {
		return 0, false
	}
	colon := index(json, ":", fieldPos)
	if colon < 0 {
		return 0, false
	}
	rest := json[colon+1:]
	if end := strings.IndexAny(rest, ",}"); end >= 0 {
		rest = rest[:end]
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true // ±Inf, like the contract's 1e400
		}
		return 0, false
	}
	return f, true
}

// index is std::string::find(sub, from): the first sub at or after from,
// or -1 (npos).
func index(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	i := strings.Index(s[from:], sub)
	if i < 0 {
		return -1
	}
	return from + i
}

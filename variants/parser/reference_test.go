package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"metricstream/internal/metric"
)

// refParse is the reference decoder the variants are compared with. It lets
// encoding/json do the lexing, the syntax checks, the unescaping and the
// number grammar, and walks json.Decoder's token stream to apply the shape
// rules of the contract.
//
// Why a token walk and not Decode into a struct with DisallowUnknownFields:
// encoding/json matches keys case-insensitively ("NAME" fills Name), keeps
// the last of duplicate keys, turns null into the zero value and has no
// ordered map for tags. Each of those is more lenient than the contract.
//
// Where encoding/json is more lenient still, refParse adds a check:
//   - invalid UTF-8 inside strings is replaced by U+FFFD, which would then
//     pass metric.Validate; the variants pass the bytes through and Validate
//     rejects them. Every string of an accepted body is either a key that
//     must equal a known name or a value that metric.Validate checks, so
//     invalid UTF-8 anywhere in the body means rejection: refParse rejects
//     it up front (the conformance suite checks the pass-through itself).
//   - a lone surrogate escape (\ud800) is replaced by U+FFFD too; the
//     contract makes it an error: refSurrogates finds it in the raw text.
func refParse(body []byte) ([]metric.Metric, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("ref: invalid UTF-8 (would be rejected by metric.Validate)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	r := refDecoder{dec}
	if err := r.delim('{'); err != nil {
		return nil, err
	}
	var ms []metric.Metric
	found := false
	for dec.More() {
		key, err := r.str()
		if err != nil {
			return nil, err
		}
		if key != "metrics" {
			return nil, fmt.Errorf("ref: unknown key %q", key)
		}
		if found {
			return nil, errors.New("ref: duplicate key metrics")
		}
		found = true
		if err := r.delim('['); err != nil {
			return nil, err
		}
		ms = []metric.Metric{}
		for dec.More() {
			if len(ms) == metric.MaxBatch {
				return nil, errors.New("ref: batch too large")
			}
			m, err := r.metric()
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
		}
		if err := r.delim(']'); err != nil {
			return nil, err
		}
	}
	if err := r.delim('}'); err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.New("ref: missing key metrics")
	}
	if tok, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("ref: trailing data: %v %v", tok, err)
	}
	if err := refSurrogates(body); err != nil {
		return nil, err
	}
	return ms, nil
}

type refDecoder struct{ d *json.Decoder }

func (r refDecoder) delim(want json.Delim) error {
	tok, err := r.d.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("ref: want %v, got %v", want, tok)
	}
	return nil
}

func (r refDecoder) str() (string, error) {
	tok, err := r.d.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("ref: want a string, got %T %v", tok, tok)
	}
	return s, nil
}

func (r refDecoder) number() (json.Number, error) {
	tok, err := r.d.Token()
	if err != nil {
		return "", err
	}
	n, ok := tok.(json.Number)
	if !ok {
		return "", fmt.Errorf("ref: want a number, got %T %v", tok, tok)
	}
	return n, nil
}

func (r refDecoder) metric() (metric.Metric, error) {
	var m metric.Metric
	if err := r.delim('{'); err != nil {
		return m, err
	}
	seen := map[string]bool{}
	for r.d.More() {
		key, err := r.str()
		if err != nil {
			return m, err
		}
		if seen[key] {
			return m, fmt.Errorf("ref: duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "name":
			m.Name, err = r.str()
		case "type":
			m.Type, err = r.str()
		case "value":
			var n json.Number
			if n, err = r.number(); err == nil {
				// ParseFloat gives ±Inf and ErrRange on overflow: kept.
				m.Value, err = strconv.ParseFloat(string(n), 64)
				if errors.Is(err, strconv.ErrRange) {
					err = nil
				}
			}
		case "timestamp":
			var n json.Number
			if n, err = r.number(); err == nil {
				if strings.ContainsAny(string(n), ".eE") {
					err = fmt.Errorf("ref: timestamp %s is not an integer", n)
				} else {
					m.Timestamp, err = strconv.ParseInt(string(n), 10, 64)
					m.HasTimestamp = true
				}
			}
		case "tags":
			m.Tags, err = r.tags()
		default:
			err = fmt.Errorf("ref: unknown key %q", key)
		}
		if err != nil {
			return m, err
		}
	}
	if err := r.delim('}'); err != nil {
		return m, err
	}
	if !seen["name"] || !seen["value"] {
		return m, errors.New("ref: missing name or value")
	}
	return m, nil
}

func (r refDecoder) tags() ([]metric.Tag, error) {
	if err := r.delim('{'); err != nil {
		return nil, err
	}
	var tags []metric.Tag
	seen := map[string]bool{}
	for r.d.More() {
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, fmt.Errorf("ref: duplicate tag %q", k)
		}
		seen[k] = true
		v, err := r.str()
		if err != nil {
			return nil, err
		}
		tags = append(tags, metric.Tag{Key: k, Value: v})
	}
	return tags, r.delim('}')
}

// refSurrogates finds a \u escape of a surrogate that is not the first half
// of a pair immediately followed by the second. body is known to be valid
// JSON, so a plain lexer of strings is enough.
func refSurrogates(body []byte) error {
	in := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !in {
			in = c == '"'
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if body[i+1] != 'u' {
				i++
				continue
			}
			r, _ := strconv.ParseUint(string(body[i+2:i+6]), 16, 32)
			i += 5
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return errors.New("ref: lone low surrogate")
			case r >= 0xD800 && r < 0xDC00:
				if i+6 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' {
					return errors.New("ref: lone high surrogate")
				}
				r2, _ := strconv.ParseUint(string(body[i+3:i+7]), 16, 32)
				if r2 < 0xDC00 || r2 > 0xDFFF {
					return errors.New("ref: lone high surrogate")
				}
				i += 6
			}
		}
	}
	return nil
}

// accepted applies the server's rule: parse, then metric.ValidateBatch.
func accepted(ms []metric.Metric, err error) bool {
	return err == nil && metric.ValidateBatch(ms) == nil
}

// diffMetrics describes the first difference between got and want, or
// returns "". Values are compared bit for bit; nil and empty tags are equal.
func diffMetrics(got, want []metric.Metric) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d metrics, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		switch {
		case g.Name != w.Name:
			return fmt.Sprintf("metrics[%d].Name = %q, want %q", i, g.Name, w.Name)
		case math.Float64bits(g.Value) != math.Float64bits(w.Value):
			return fmt.Sprintf("metrics[%d].Value = %v (%#x), want %v (%#x)", i, g.Value, math.Float64bits(g.Value), w.Value, math.Float64bits(w.Value))
		case g.Type != w.Type:
			return fmt.Sprintf("metrics[%d].Type = %q, want %q", i, g.Type, w.Type)
		case g.Timestamp != w.Timestamp || g.HasTimestamp != w.HasTimestamp:
			return fmt.Sprintf("metrics[%d].Timestamp = %d,%v, want %d,%v", i, g.Timestamp, g.HasTimestamp, w.Timestamp, w.HasTimestamp)
		case len(g.Tags) != len(w.Tags):
			return fmt.Sprintf("metrics[%d].Tags = %q, want %q", i, g.Tags, w.Tags)
		}
		for k := range g.Tags {
			if g.Tags[k] != w.Tags[k] {
				return fmt.Sprintf("metrics[%d].Tags[%d] = %q, want %q", i, k, g.Tags[k], w.Tags[k])
			}
		}
	}
	return ""
}

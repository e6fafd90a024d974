package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/internal/metric"
)

// maxErrLen bounds an error message: input is echoed through metric.Quote
// (64 bytes) at most twice, plus the words around it.
const maxErrLen = 400

// TestConformance is the one suite every variant passes: the contract of
// Parser, checked on the corpus of corpus_test.go, and the reference
// decoder checked on the same corpus.
func TestConformance(t *testing.T) {
	for _, v := range Variants {
		t.Run("variant="+v.Name, func(t *testing.T) { testConformance(t, v.New, true) })
	}
	// The reference decoder must agree with the corpus too, or the
	// differential tests would compare against a wrong answer. Its errors
	// are plain: only accept/reject is checked.
	t.Run("variant=reference", func(t *testing.T) {
		testConformance(t, func() Parser { return parserFunc(refParse) }, false)
	})
}

type parserFunc func([]byte) ([]metric.Metric, error)

func (f parserFunc) Parse(b []byte) ([]metric.Metric, error) { return f(b) }

// testConformance runs the corpus through parsers made by newParser;
// variant says the errors must also keep the contract's form.
func testConformance(t *testing.T, newParser New, variant bool) {
	t.Run("valid", func(t *testing.T) {
		p := newParser()
		for _, c := range validCases {
			body := []byte(c.body)
			orig := bytes.Clone(body)
			ms, err := p.Parse(body)
			if err != nil {
				t.Errorf("%s: Parse: %v", c.name, err)
				continue
			}
			assert.Equal(t, "", diffMetrics(ms, c.want), "%s", c.name)
			assert.NoError(t, metric.ValidateBatch(ms), "%s: ValidateBatch", c.name)
			checkLines(t, c.name, ms)
			assert.True(t, bytes.Equal(body, orig), "%s: Parse modified its input", c.name)
		}
	})
	t.Run("parse-ok-validate-rejects", func(t *testing.T) {
		p := newParser()
		for _, c := range semanticCases {
			ms, err := p.Parse([]byte(c.body))
			if err != nil && !variant {
				continue // the reference rejects invalid UTF-8 up front
			}
			if err != nil {
				t.Errorf("%s: Parse: %v; the parser must leave this to metric.ValidateBatch", c.name, err)
				continue
			}
			assert.Equal(t, "", diffMetrics(ms, c.parsed), "%s", c.name)
			err = metric.ValidateBatch(ms)
			assert.ErrorContains(t, err, c.validate, "%s: ValidateBatch", c.name)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		p := newParser()
		for _, c := range invalidCases {
			ms, err := p.Parse([]byte(c.body))
			if err == nil {
				t.Errorf("%s: Parse(%s) accepted %d metrics, want an error", c.name, metric.Quote(c.body), len(ms))
				continue
			}
			if variant {
				checkError(t, c.name, err, c.msg)
			}
		}
	})
	t.Run("truncated", func(t *testing.T) {
		p := newParser()
		for _, c := range validCases[:8] {
			body := []byte(strings.TrimRight(c.body, " \t\r\n"))
			for n := 0; n < len(body); n++ {
				// A fresh slice of exactly n bytes, so that reading past
				// the end is caught by the bounds check, not hidden.
				ms, err := p.Parse(bytes.Clone(body[:n]))
				if err == nil {
					t.Errorf("%s: prefix of %d bytes %s accepted (%d metrics)", c.name, n, metric.Quote(string(body[:n])), len(ms))
					continue
				}
				if variant {
					checkError(t, c.name, err, "")
				}
			}
		}
	})
	t.Run("reuse", func(t *testing.T) {
		// One parser, bodies of different sizes in turn: what a previous
		// Parse left in reused buffers must not show through.
		p := newParser()
		order := []int{len(validCases) - 1, 0, len(validCases) - 2, 5, 3, 5}
		for _, k := range order {
			c := validCases[k]
			ms, err := p.Parse([]byte(c.body))
			require.NoError(t, err, "%s: Parse", c.name)
			assert.Equal(t, "", diffMetrics(ms, c.want), "%s after another body", c.name)
			if _, err := p.Parse([]byte(`{"metrics":[{"name":"a\u00e9","value":1,"tags":{"k":"v"}}`)); err == nil {
				t.Fatal("invalid body accepted")
			}
		}
	})
}

// checkError asserts what the contract says of every error.
func checkError(t *testing.T, name string, err error, want string) {
	t.Helper()
	var me *metric.Error
	assert.True(t, errors.As(err, &me), "%s: error %T %q is not a *metric.Error", name, err, err)
	msg := err.Error()
	if len(msg) > maxErrLen {
		t.Errorf("%s: error message of %d bytes: input not bounded: %.100q…", name, len(msg), msg)
	}
	assert.True(t, strings.Contains(msg, want), "%s: error %q does not mention %q", name, msg, want)
}

// checkLines asserts that each accepted metric becomes exactly one JSON
// Lines record that encoding/json decodes back to the same metric.
func checkLines(t *testing.T, name string, ms []metric.Metric) {
	t.Helper()
	for i := range ms {
		m := &ms[i]
		line := metric.AppendLine(nil, m, 42)
		if bytes.IndexByte(line, '\n') != len(line)-1 {
			t.Errorf("%s: metrics[%d]: line %q is not exactly one line", name, i, line)
			continue
		}
		var got struct {
			Timestamp *int64            `json:"timestamp"`
			Name      *string           `json:"name"`
			Value     *float64          `json:"value"`
			Type      *string           `json:"type"`
			Tags      map[string]string `json:"tags"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Errorf("%s: metrics[%d]: line %q: %v", name, i, line, err)
			continue
		}
		wantTS := int64(42)
		if m.HasTimestamp {
			wantTS = m.Timestamp
		}
		switch {
		case got.Timestamp == nil || *got.Timestamp != wantTS:
			t.Errorf("%s: metrics[%d]: line %q: timestamp, want %d", name, i, line, wantTS)
		case got.Name == nil || *got.Name != m.Name:
			t.Errorf("%s: metrics[%d]: line %q: name, want %q", name, i, line, m.Name)
		case got.Value == nil || math.Float64bits(*got.Value) != math.Float64bits(m.Value):
			t.Errorf("%s: metrics[%d]: line %q: value, want %v", name, i, line, m.Value)
		case (got.Type == nil) != (m.Type == "") || got.Type != nil && *got.Type != m.Type:
			t.Errorf("%s: metrics[%d]: line %q: type, want %q", name, i, line, m.Type)
		case len(got.Tags) != len(m.Tags):
			t.Errorf("%s: metrics[%d]: line %q: tags, want %q", name, i, line, m.Tags)
		}
		for _, tag := range m.Tags {
			if v, ok := got.Tags[tag.Key]; !ok || v != tag.Value {
				t.Errorf("%s: metrics[%d]: line %q: tag %q, want %q", name, i, line, tag.Key, tag.Value)
			}
		}
	}
}

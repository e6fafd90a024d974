package metric

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	ok := Metric{Name: "cpu", Value: 75.5, Type: "gauge", Tags: []Tag{{"host", "a"}}}
	require.NoError(t, Validate(&ok), "valid metric")
	for _, tc := range []struct {
		m    Metric
		want string
	}{
		{Metric{Name: "", Value: 1}, "empty"},
		{Metric{Name: strings.Repeat("a", 256), Value: 1}, "too long"},
		{Metric{Name: strings.Repeat("a", 255) + "", Value: math.NaN()}, "finite"},
		{Metric{Name: "a", Value: math.Inf(1)}, "finite"},
		{Metric{Name: "a", Value: math.Inf(-1)}, "finite"},
		{Metric{Name: "a\nb", Value: 1}, "control"},
		{Metric{Name: "a\x7f", Value: 1}, "control"},
		{Metric{Name: "a\u0085", Value: 1}, "control"},
		{Metric{Name: "a\xff", Value: 1}, "UTF-8"},
		{Metric{Name: "a", Value: 1, Type: "bogus"}, "unknown type"},
		{Metric{Name: "a", Value: 1, HasTimestamp: true, Timestamp: -1}, "timestamp"},
		{Metric{Name: "a", Value: 1, Tags: []Tag{{"", "v"}}}, "tag key"},
		{Metric{Name: "a", Value: 1, Tags: []Tag{{"k", strings.Repeat("v", MaxTagValLen+1)}}}, "too long"},
		{Metric{Name: "a", Value: 1, Tags: []Tag{{"k", "v\r"}}}, "control"},
		{Metric{Name: "a", Value: 1, Tags: make([]Tag, MaxTags+1)}, "too many tags"},
	} {
		err := Validate(&tc.m)
		assert.ErrorContains(t, err, tc.want, "Validate(%.40q)", tc.m.Name)
	}
	assert.NoError(t, Validate(&Metric{Name: strings.Repeat("é", 127), Value: 1}), "254-byte UTF-8 name")
}

func TestValidateBatch(t *testing.T) {
	assert.ErrorContains(t, ValidateBatch(nil), "empty", "empty batch")
	big := make([]Metric, MaxBatch+1)
	for i := range big {
		big[i] = Metric{Name: "a", Value: 1}
	}
	assert.ErrorContains(t, ValidateBatch(big), "batch too large", "1001 metrics")
	assert.NoError(t, ValidateBatch(big[:MaxBatch]), "1000 metrics")
	big[7].Name = ""
	err := ValidateBatch(big[:10])
	if e, ok := err.(*Error); !ok || e.Index != 7 || !strings.HasPrefix(err.Error(), "metrics[7]: ") {
		t.Errorf("bad 8th metric: %v", err)
	}
}

func TestQuoteBounded(t *testing.T) {
	q := Quote(strings.Repeat("x", 1000))
	if len(q) > 80 || !strings.HasSuffix(q, "…") {
		t.Errorf("Quote of 1000 bytes = %d bytes: %s", len(q), q)
	}
}

// TestAppendStringMatchesEncodingJSON: the line encoder escapes exactly as
// encoding/json does, so no name can break a line.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "cpu", `a"b`, `a\b`, "a\nb\r\t\b\f", "\x00\x01\x1f", "<>&", "é漢字🎉",
		"\u2028\u2029", "bad\xffutf8", "\xed\xa0\x80", strings.Repeat("x", 300)} {
		want, _ := json.Marshal(s)
		assert.Equal(t, want, AppendString(nil, s), "AppendString(%q)", s)
	}
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 75.5, 1e-7, 1e-6, 123456789, 1e20, 1e21, 1e21 + 1e6, -2.5e-300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, 1.0 / 3} {
		want, _ := json.Marshal(f)
		assert.Equal(t, want, AppendFloat(nil, f), "AppendFloat(%v)", f)
	}
}

func TestAppendLine(t *testing.T) {
	m := Metric{Name: "cpu\n\"x\"", Value: 75.5, Type: "gauge", Tags: []Tag{{"host", "a"}, {"z", "b"}}}
	line := AppendLine(nil, &m, 1732640000000)
	want := `{"timestamp":1732640000000,"name":"cpu\n\"x\"","value":75.5,"type":"gauge","tags":{"host":"a","z":"b"}}` + "\n"
	require.Equal(t, want, string(line), "line = %s, want %s", line, want)
	m = Metric{Name: "a", Value: 2, HasTimestamp: true, Timestamp: 5}
	require.Equal(t, `{"timestamp":5,"name":"a","value":2}`+"\n"+`{"timestamp":5,"name":"a","value":2}`+"\n", string(AppendBatch(nil, []Metric{m, m}, 99)), "batch")
}

package parser

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"metricstream/internal/metric"
)

// sortedTags returns a deep copy of ms with each metric's tags sorted by key:
// the map-based peers lose the client's tag order, so rows are compared
// order-insensitively on tags (and the copy outlives the row's next call).
func sortedTags(ms []metric.Metric) []metric.Metric {
	out := make([]metric.Metric, len(ms))
	for i, m := range ms {
		m.Name = strings.Clone(m.Name)
		m.Type = strings.Clone(m.Type)
		tags := make([]metric.Tag, len(m.Tags))
		for k, t := range m.Tags {
			tags[k] = metric.Tag{Key: strings.Clone(t.Key), Value: strings.Clone(t.Value)}
		}
		slices.SortFunc(tags, func(a, b metric.Tag) int { return cmp.Compare(a.Key, b.Key) })
		m.Tags = tags
		out[i] = m
	}
	return out
}

// TestParseRowsAgree: every row of BenchmarkParse turns every benchmark body
// into the same validated metrics as the fsm variant, on the first call and
// on a second call that reuses the row's buffers, so the rows time the same
// work. The fsm result itself is checked against independently built
// expectations on the ascii corpus and on the first metric of the others.
func TestParseRowsAgree(t *testing.T) {
	escaped0 := metric.Metric{Name: "réq_\"0\"_température\\°C_", Value: 20, Type: "gauge", Timestamp: 1732640000000, HasTimestamp: true,
		Tags: tags("hôte", "serveur-00 — Zürich", "pod/name", `api-"canary"-0`, "région", "eu-ouest-1 🚀 日本")}
	node0 := metric.Metric{Name: "node_cpu_seconds_total", Value: 184000, Type: "counter", Timestamp: 1732640015000, HasTimestamp: true,
		Tags: tags("cpu", "0", "instance", "10.42.0.1:9100", "mode", "idle")}
	for _, c := range benchCorpora {
		for _, n := range benchSizes {
			body := []byte(c.body(n))
			fsm := NewFSM()
			ms, err := fsm.Parse(body)
			if err != nil {
				t.Fatalf("%s n=%d: fsm: %v", c.name, n, err)
			}
			if err := metric.ValidateBatch(ms); err != nil {
				t.Fatalf("%s n=%d: fsm batch invalid: %v", c.name, n, err)
			}
			want := sortedTags(ms)
			switch c.name {
			case "ascii":
				if d := diffMetrics(ms, genWant(n, false)); d != "" {
					t.Fatalf("ascii n=%d: fsm: %s", n, d)
				}
			case "escaped":
				if d := diffMetrics(ms[:1], []metric.Metric{escaped0}); d != "" {
					t.Fatalf("escaped n=%d: fsm: %s", n, d)
				}
			case "realistic":
				if d := diffMetrics(ms[:1], []metric.Metric{node0}); d != "" {
					t.Fatalf("realistic n=%d: fsm: %s", n, d)
				}
			}
			for _, r := range parseRows() {
				parse := r.new()
				for call := range 2 {
					got, err := parse(body)
					if err != nil {
						t.Fatalf("%s/%s n=%d call %d: %v", r.name, c.name, n, call, err)
					}
					if d := diffMetrics(sortedTags(got), want); d != "" {
						t.Errorf("%s/%s n=%d call %d: %s", r.name, c.name, n, call, d)
					}
				}
			}
		}
	}
}

// TestParseCorporaExercise: the escaped corpus holds every escape kind and
// raw non-ASCII UTF-8 in names and tags, and the realistic corpus has the
// node exporter's shape, so the corpora measure what their names say.
func TestParseCorporaExercise(t *testing.T) {
	esc := escapedBody(2)
	for _, s := range []string{`\"`, `\\`, `\/`, `\u00e9`, `\ud83d\ude80`, "°", "日本"} {
		if !strings.Contains(esc, s) {
			t.Errorf("escaped corpus lacks %q", s)
		}
	}
	node := nodeExporterBody(16)
	for _, s := range []string{`"name":"node_cpu_seconds_total"`, `"cpu":"1"`, `"mode":"user"`, `"instance":"10.42.0.1:9100"`} {
		if !strings.Contains(node, s) {
			t.Errorf("realistic corpus lacks %q", s)
		}
	}
}

// TestParsePeersChecks pins down which parts of the contract each row
// enforces, the table in README "Beside its peers": accept[row] says whether
// the row (decode + metric.ValidateBatch) accepts a body the contract
// rejects. The variants reject all of them.
func TestParsePeersChecks(t *testing.T) {
	m := func(s string) string { return `{"metrics":[` + s + `]}` }
	cases := []struct {
		name, body string
		accept     []string // rows that accept the body
	}{
		{"unknown key", m(`{"name":"a","value":1,"unit":"s"}`), []string{"encoding-json", "goccy-go-json", "sonic", "sonic-nocopy"}},
		{"unknown top-level key", `{"metrics":[{"name":"a","value":1}],"x":1}`, []string{"encoding-json", "goccy-go-json", "sonic", "sonic-nocopy"}},
		{"duplicate key", m(`{"name":"a","name":"b","value":1}`), []string{"encoding-json", "fastjson", "goccy-go-json", "sonic", "sonic-nocopy"}},
		{"missing value", m(`{"name":"a"}`), []string{"encoding-json", "fastjson", "goccy-go-json", "sonic", "sonic-nocopy"}},
		{"null value", m(`{"name":"a","value":null}`), []string{"encoding-json", "goccy-go-json", "sonic", "sonic-nocopy"}},
		{"fractional timestamp", m(`{"name":"a","value":1,"timestamp":1.5}`), nil},
		{"leading zero", m(`{"name":"a","value":01}`), []string{"fastjson", "goccy-go-json"}},
		{"invalid UTF-8", m(`{"name":"a` + "\xff" + `","value":1}`), []string{"encoding-json"}},
		{"lone surrogate", m(`{"name":"a\ud800","value":1}`), []string{"encoding-json", "fastjson", "goccy-go-json", "sonic", "sonic-nocopy"}},
		{"raw control byte", m(`{"name":"a` + "\x01" + `","value":1}`), nil},
		{"escaped control character", m(`{"name":"a\n","value":1}`), nil},
		{"infinite value", m(`{"name":"a","value":1e400}`), nil},
		{"unknown type", m(`{"name":"a","value":1,"type":"meter"}`), nil},
		{"name too long", m(`{"name":"` + strings.Repeat("n", metric.MaxNameLen+1) + `","value":1}`), nil},
		{"tag value too long", m(`{"name":"a","value":1,"tags":{"k":"` + strings.Repeat("v", metric.MaxTagValLen+1) + `"}}`), nil},
	}
	for _, c := range cases {
		for _, r := range parseRows() {
			_, err := r.new()([]byte(c.body))
			want := slices.Contains(c.accept, r.name)
			if got := err == nil; got != want {
				t.Errorf("%s: %s accepts = %v, want %v (err %v)", c.name, r.name, got, want, err)
			}
		}
	}
}

// TestParsePeersRejectBrokenJSON: each row rejects malformed JSON, so a
// benchmark row never measures a parser that skips the syntax check.
func TestParsePeersRejectBrokenJSON(t *testing.T) {
	for _, body := range []string{``, `{"metrics":[`, seedFull + "x", `{"metrics":[{"name":"a","value":1,}]}`} {
		for _, r := range parseRows() {
			if _, err := r.new()([]byte(body)); err == nil {
				t.Errorf("%s accepted %q", r.name, body)
			}
		}
	}
}

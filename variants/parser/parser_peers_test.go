package parser

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"metricstream/internal/metric"
)

// Peer rows of BenchmarkParse: the JSON libraries a Go engineer would pick
// instead of writing a parser. They live in test files only; the server never
// links them. Each decodes the same bodies as the variants:
//
//   - encoding-json, goccy-go-json, sonic: Unmarshal into jsonBatch (the
//     struct an ordinary service would declare), a fresh value per request.
//     Their strings are owned by the result (encoding/json and go-json copy
//     each string; sonic.Unmarshal, its default config, copies the body once
//     and decoded strings point into that private copy, never into the
//     caller's buffer — the aliasing mode, UnmarshalString over an unsafe
//     string of the request buffer, is deliberately not measured).
//   - fastjson: one fastjson.Parser reused across requests (as the variants
//     keep one parser per connection) and a walk of its tree into
//     []metric.Metric, copying every string out of the parser's buffer.
//
// The peers check JSON syntax and the JSON types of the fields they read, not
// the whole contract of Parser (duplicate and unknown keys, missing fields,
// integer timestamps, surrogates), and fastjson and go-json are laxer than
// JSON itself in places (both accept the number 01): they are speed
// references, not conforming variants. TestParsePeersDecodeBenchBodies checks they decode the benchmark
// bodies into the same metrics as the variants.
var parsePeers = []struct {
	name string
	new  func() func([]byte) (int, error)
}{
	{"encoding-json", newStdlibPeer},
	{"fastjson", newFastjsonPeer},
	{"goccy-go-json", newGoJSONPeer},
	{"sonic", newSonicPeer},
}

func newGoJSONPeer() func([]byte) (int, error) {
	return func(body []byte) (int, error) {
		var batch jsonBatch
		err := gojson.Unmarshal(body, &batch)
		return len(batch.Metrics), err
	}
}

func newSonicPeer() func([]byte) (int, error) {
	return func(body []byte) (int, error) {
		var batch jsonBatch
		err := sonic.Unmarshal(body, &batch)
		return len(batch.Metrics), err
	}
}

func newFastjsonPeer() func([]byte) (int, error) {
	w := &fastjsonWalker{}
	return func(body []byte) (int, error) {
		ms, err := w.parse(body)
		return len(ms), err
	}
}

// fastjsonWalker turns fastjson's tree into metrics. The metrics slice is
// reused across calls (like the variants' results); the strings are copies.
type fastjsonWalker struct {
	p  fastjson.Parser
	ms []metric.Metric
}

func (w *fastjsonWalker) parse(body []byte) ([]metric.Metric, error) {
	v, err := w.p.ParseBytes(body)
	if err != nil {
		return nil, err
	}
	arr, err := v.Get("metrics").Array()
	if err != nil {
		return nil, fmt.Errorf("fastjson: metrics: %w", err)
	}
	if len(arr) > metric.MaxBatch {
		return nil, errors.New("fastjson: batch too large")
	}
	w.ms = w.ms[:0]
	for _, mv := range arr {
		o, err := mv.Object()
		if err != nil {
			return nil, err
		}
		var m metric.Metric
		o.Visit(func(key []byte, fv *fastjson.Value) {
			if err != nil {
				return
			}
			switch string(key) {
			case "name":
				var b []byte
				b, err = fv.StringBytes()
				m.Name = string(b)
			case "value":
				m.Value, err = fv.Float64()
			case "type":
				var b []byte
				b, err = fv.StringBytes()
				m.Type = string(b)
			case "timestamp":
				m.Timestamp, err = fv.Int64()
				m.HasTimestamp = true
			case "tags":
				var to *fastjson.Object
				if to, err = fv.Object(); err != nil {
					return
				}
				m.Tags = make([]metric.Tag, 0, to.Len())
				to.Visit(func(k []byte, tv *fastjson.Value) {
					b, terr := tv.StringBytes()
					if terr != nil {
						err = terr
						return
					}
					m.Tags = append(m.Tags, metric.Tag{Key: string(k), Value: string(b)})
				})
			default:
				err = fmt.Errorf("fastjson: unknown key %q", key)
			}
		})
		if err != nil {
			return nil, err
		}
		w.ms = append(w.ms, m)
	}
	return w.ms, nil
}

// batchMetrics converts a jsonBatch to metrics, tags sorted by key (a Go map
// keeps no order; the benchmark bodies send their tags sorted).
func batchMetrics(b jsonBatch) []metric.Metric {
	ms := make([]metric.Metric, len(b.Metrics))
	for i, m := range b.Metrics {
		ms[i] = metric.Metric{Name: m.Name, Value: m.Value, Type: m.Type, Timestamp: m.Timestamp, HasTimestamp: m.Timestamp != 0}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range m.Tags {
				if !yield(k) {
					return
				}
			}
		}) {
			ms[i].Tags = append(ms[i].Tags, metric.Tag{Key: k, Value: m.Tags[k]})
		}
	}
	return ms
}

// TestParsePeersDecodeBenchBodies: every peer row of BenchmarkParse decodes
// the benchmark bodies into the metrics the variants return, so the rows
// compare equal work.
func TestParsePeersDecodeBenchBodies(t *testing.T) {
	unmarshalers := map[string]func([]byte, any) error{
		"goccy-go-json": gojson.Unmarshal,
		"sonic":         sonic.Unmarshal,
	}
	for _, n := range []int{1, 100, metric.MaxBatch} {
		body := []byte(genBody(n, false))
		want := genWant(n, false)
		for name, unmarshal := range unmarshalers {
			var b jsonBatch
			require.NoError(t, unmarshal(body, &b), "%s n=%d", name, n)
			if d := diffMetrics(batchMetrics(b), want); d != "" {
				t.Errorf("%s n=%d: %s", name, n, d)
			}
		}
		w := &fastjsonWalker{}
		for range 2 { // the second parse reuses the walker's buffers
			got, err := w.parse(body)
			require.NoError(t, err, "fastjson n=%d", n)
			if d := diffMetrics(got, want); d != "" {
				t.Errorf("fastjson n=%d: %s", n, d)
			}
		}
	}
}

// TestParsePeersRejectBrokenJSON: the peers are not conforming variants, but
// each rejects malformed JSON, so a benchmark row never measures a parser
// that skips the syntax check.
func TestParsePeersRejectBrokenJSON(t *testing.T) {
	for _, body := range []string{``, `{"metrics":[`, seedFull + "x", `{"metrics":[{"name":"a","value":1,}]}`} {
		for _, p := range parsePeers {
			if _, err := p.new()([]byte(body)); err == nil {
				t.Errorf("%s accepted %q", p.name, body)
			}
		}
	}
}

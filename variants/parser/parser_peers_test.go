package parser

import (
	"encoding/json"
	"errors"
	"fmt"
	"unsafe"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	"github.com/valyala/fastjson"

	"metricstream/internal/metric"
)

// Peer rows of BenchmarkParse: the JSON libraries a Go engineer would pick
// instead of writing a parser. They live in test files only; the server never
// links them. Each row does what a server built on it would do per request,
// and ends where the variants' rows end, with metric.ValidateBatch on a
// []metric.Metric:
//
//   - encoding-json, goccy-go-json, sonic, sonic-nocopy: Unmarshal into a
//     jsonBatch kept across requests (its metrics slice and each element's
//     tag map are reused; the elements are zeroed first, because Unmarshal
//     decodes into existing elements and would keep a previous request's
//     fields), then copy the fields into a reused []metric.Metric (tags from
//     the map, so in map order, not the client's) and validate it.
//     encoding/json and go-json copy every string; sonic.Unmarshal (its
//     default config) copies the body once and decoded strings point into
//     that copy; sonic-nocopy calls sonic.UnmarshalString on the request
//     buffer itself (an unsafe.String, no copy), so unescaped strings alias
//     the body, as the fsm variant's do.
//   - fastjson: one fastjson.Parser reused across requests and a walk of its
//     tree into a reused []metric.Metric, strings aliasing the parser's
//     buffer (valid until the next parse, the variants' contract), tags in
//     the client's order.
//
// They check less of the contract than the variants (TestParsePeersChecks
// pins down which checks each row makes; README "Beside its peers" has the
// table): they are speed references, not conforming variants.
// TestParseRowsAgree checks that every row turns the benchmark bodies into
// the same validated metrics.
var parsePeers = []parseRow{
	{"encoding-json", func() func([]byte) ([]metric.Metric, error) {
		return newStructPeer(json.Unmarshal)
	}},
	{"fastjson", newFastjsonPeer},
	{"goccy-go-json", func() func([]byte) ([]metric.Metric, error) {
		return newStructPeer(gojson.Unmarshal)
	}},
	{"sonic", func() func([]byte) ([]metric.Metric, error) {
		return newStructPeer(sonic.Unmarshal)
	}},
	{"sonic-nocopy", func() func([]byte) ([]metric.Metric, error) {
		return newStructPeer(func(body []byte, v any) error {
			return sonic.UnmarshalString(unsafe.String(unsafe.SliceData(body), len(body)), v)
		})
	}},
}

// jsonBatch is what a server built on a struct-decoding JSON library would
// declare.
type jsonBatch struct {
	Metrics []jsonMetric `json:"metrics"`
}

type jsonMetric struct {
	Name      string            `json:"name"`
	Value     float64           `json:"value"`
	Type      string            `json:"type"`
	Timestamp int64             `json:"timestamp"`
	Tags      map[string]string `json:"tags"`
}

// newStructPeer is a row on a struct-decoding library: unmarshal into a
// reused jsonBatch, convert into reused metrics, validate.
func newStructPeer(unmarshal func([]byte, any) error) func([]byte) ([]metric.Metric, error) {
	var batch jsonBatch
	var ms []metric.Metric
	return func(body []byte) ([]metric.Metric, error) {
		all := batch.Metrics[:cap(batch.Metrics)]
		for i := range all {
			t := all[i].Tags
			clear(t)
			all[i] = jsonMetric{Tags: t}
		}
		batch.Metrics = all[:0]
		if err := unmarshal(body, &batch); err != nil {
			return nil, err
		}
		n := len(batch.Metrics)
		if cap(ms) < n {
			ms = append(ms[:cap(ms)], make([]metric.Metric, n-cap(ms))...)
		}
		ms = ms[:n]
		for i := range batch.Metrics {
			jm := &batch.Metrics[i]
			tags := ms[i].Tags[:0]
			for k, v := range jm.Tags {
				tags = append(tags, metric.Tag{Key: k, Value: v})
			}
			// A zero timestamp counts as absent: an int64 cannot tell the two
			// apart without a pointer (an allocation per metric); every
			// benchmark body sends one.
			ms[i] = metric.Metric{Name: jm.Name, Value: jm.Value, Type: jm.Type,
				Timestamp: jm.Timestamp, HasTimestamp: jm.Timestamp != 0, Tags: tags}
		}
		return ms, metric.ValidateBatch(ms)
	}
}

func newFastjsonPeer() func([]byte) ([]metric.Metric, error) {
	w := &fastjsonWalker{}
	return func(body []byte) ([]metric.Metric, error) {
		ms, err := w.parse(body)
		if err != nil {
			return nil, err
		}
		return ms, metric.ValidateBatch(ms)
	}
}

// fastjsonWalker turns fastjson's tree into metrics. The metrics slice and
// each metric's tag slice are reused across calls; strings alias the
// parser's buffer, which the next ParseBytes overwrites.
type fastjsonWalker struct {
	p  fastjson.Parser
	ms []metric.Metric
}

func alias(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (w *fastjsonWalker) parse(body []byte) ([]metric.Metric, error) {
	v, err := w.p.ParseBytes(body)
	if err != nil {
		return nil, err
	}
	o, err := v.Object()
	if err != nil {
		return nil, err
	}
	if o.Len() != 1 {
		return nil, errors.New(`fastjson: want exactly the key "metrics"`)
	}
	arr, err := v.Get("metrics").Array()
	if err != nil {
		return nil, fmt.Errorf("fastjson: metrics: %w", err)
	}
	if len(arr) > metric.MaxBatch {
		return nil, errors.New("fastjson: batch too large")
	}
	if cap(w.ms) < len(arr) {
		w.ms = append(w.ms[:cap(w.ms)], make([]metric.Metric, len(arr)-cap(w.ms))...)
	}
	w.ms = w.ms[:len(arr)]
	for i, mv := range arr {
		o, err := mv.Object()
		if err != nil {
			return nil, err
		}
		m := metric.Metric{Tags: w.ms[i].Tags[:0]}
		o.Visit(func(key []byte, fv *fastjson.Value) {
			if err != nil {
				return
			}
			switch string(key) {
			case "name":
				var b []byte
				b, err = fv.StringBytes()
				m.Name = alias(b)
			case "value":
				m.Value, err = fv.Float64()
			case "type":
				var b []byte
				b, err = fv.StringBytes()
				m.Type = alias(b)
			case "timestamp":
				m.Timestamp, err = fv.Int64()
				m.HasTimestamp = true
			case "tags":
				var to *fastjson.Object
				if to, err = fv.Object(); err != nil {
					return
				}
				to.Visit(func(k []byte, tv *fastjson.Value) {
					b, terr := tv.StringBytes()
					if terr != nil {
						err = terr
						return
					}
					m.Tags = append(m.Tags, metric.Tag{Key: alias(k), Value: alias(b)})
				})
			default:
				err = fmt.Errorf("fastjson: unknown key %q", key)
			}
		})
		if err != nil {
			return nil, err
		}
		w.ms[i] = m
	}
	return w.ms, nil
}

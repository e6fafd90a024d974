package parser

import (
	"encoding/json"
	"fmt"
	"testing"

	"metricstream/internal/metric"
)

// jsonBatch is what a server built on encoding/json would decode into: the
// standard-library baseline of BenchmarkParse.
type jsonBatch struct {
	Metrics []struct {
		Name      string            `json:"name"`
		Value     float64           `json:"value"`
		Type      string            `json:"type"`
		Timestamp int64             `json:"timestamp"`
		Tags      map[string]string `json:"tags"`
	} `json:"metrics"`
}

// newStdlibPeer is the encoding-json row: json.Unmarshal into jsonBatch.
func newStdlibPeer() func([]byte) (int, error) {
	return func(body []byte) (int, error) {
		var batch jsonBatch
		err := json.Unmarshal(body, &batch)
		return len(batch.Metrics), err
	}
}

// BenchmarkParse compares the variants with encoding/json on realistic
// batches (name, value, type, timestamp, two tags per metric):
//
//	go test -run XXX -bench BenchmarkParse -benchmem -count 6 ./variants/parser/ > parse.txt
//	go tool benchstat -col /variant parse.txt
//
// Each variant keeps one parser across iterations, as the server keeps one
// per connection; encoding/json decodes into a fresh value per request. The
// peer rows (encoding-json, fastjson, goccy-go-json, sonic) are described at
// parsePeers in parser_peers_test.go.
func BenchmarkParse(b *testing.B) {
	type row struct {
		name string
		new  func() func([]byte) (int, error)
	}
	rows := []row{}
	for _, v := range Variants {
		rows = append(rows, row{v.Name, func() func([]byte) (int, error) {
			p := v.New()
			return func(body []byte) (int, error) {
				ms, err := p.Parse(body)
				return len(ms), err
			}
		}})
	}
	for _, p := range parsePeers { // encoding-json, fastjson, goccy-go-json, sonic
		rows = append(rows, row{p.name, p.new})
	}
	for _, r := range rows {
		for _, n := range []int{1, 100, metric.MaxBatch} {
			body := []byte(genBody(n, false))
			b.Run(fmt.Sprintf("variant=%s/metrics=%d", r.name, n), func(b *testing.B) {
				parse := r.new()
				if got, err := parse(body); err != nil || got != n {
					b.Fatalf("parse: %d metrics, %v", got, err)
				}
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := parse(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

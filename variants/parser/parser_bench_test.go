package parser

import (
	"fmt"
	"strings"
	"testing"

	"metricstream/internal/metric"
)

// A parseRow is one row of BenchmarkParse: new returns a function that turns
// a request body into the validated batch the server would store, keeping
// whatever it can (parser, destination, tag slices) across calls, as the
// server keeps one parser per connection. The returned metrics are valid
// until the next call.
type parseRow struct {
	name string
	new  func() func(body []byte) ([]metric.Metric, error)
}

// parseRows are the variants (parse, then metric.ValidateBatch, exactly the
// server's ingestion path) followed by the peers of parser_peers_test.go
// (decode, then the same metric.ValidateBatch).
func parseRows() []parseRow {
	var rows []parseRow
	for _, v := range Variants {
		rows = append(rows, parseRow{v.Name, func() func([]byte) ([]metric.Metric, error) {
			p := v.New()
			return func(body []byte) ([]metric.Metric, error) {
				ms, err := p.Parse(body)
				if err != nil {
					return nil, err
				}
				return ms, metric.ValidateBatch(ms)
			}
		}})
	}
	return append(rows, parsePeers...)
}

// benchCorpora are the bodies BenchmarkParse decodes; each is a function of
// the batch size. Every body is valid: each row returns n metrics.
var benchCorpora = []struct {
	name string
	body func(n int) string
}{
	// ascii: plain ASCII, no escapes (genBody: name, value, type, timestamp,
	// two tags), the corpus of the lab's first parser figures.
	{"ascii", func(n int) string { return genBody(n, false) }},
	// escaped: every string needs unescaping or carries non-ASCII UTF-8.
	{"escaped", escapedBody},
	// realistic: a Prometheus node exporter's CPU counters.
	{"realistic", nodeExporterBody},
}

// escapedBody is n metrics whose names and tags hold quotes, backslashes,
// \u escapes (a surrogate pair included) and raw non-ASCII UTF-8, so the
// unescaping and UTF-8 paths of every row run on each metric. Nothing in it
// is a control character: the batch is valid.
func escapedBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"metrics":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"r\u00e9q_\"%d\"_temp\u00e9rature\\°C_%s","value":%d.%d,"type":"gauge","timestamp":%d,`+
			`"tags":{"h\u00f4te":"serveur-%02d \u2014 Z\u00fcrich","pod\/name":"api-\"canary\"-%d","r\u00e9gion":"eu-ouest-1 \ud83d\ude80 日本"}}`,
			i, strings.Repeat("x", i%20), 20+i%15, i%10, 1732640000000+int64(i), i%32, i%7)
	}
	b.WriteString(`]}`)
	return b.String()
}

// nodeExporterBody is n samples of node_exporter's node_cpu_seconds_total as
// a scrape forwarder would send them: labels cpu, instance, mode (sorted, as
// Prometheus keeps them), eight modes per CPU, one scrape timestamp,
// counter values in seconds with two decimals.
func nodeExporterBody(n int) string {
	modes := [...]string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}
	var b strings.Builder
	b.WriteString(`{"metrics":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		cpu, mode := i/len(modes), modes[i%len(modes)]
		host := cpu / 64 // 64 CPUs per instance
		fmt.Fprintf(&b, `{"name":"node_cpu_seconds_total","value":%d.%02d,"type":"counter","timestamp":1732640015000,`+
			`"tags":{"cpu":"%d","instance":"10.42.%d.%d:9100","mode":"%s"}}`,
			184000+i*137%90000, i*7%100, cpu%64, host/250, host%250+1, mode)
	}
	b.WriteString(`]}`)
	return b.String()
}

// benchSizes are the batch sizes (metrics per request) BenchmarkParse runs.
var benchSizes = []int{1, 10, 100, metric.MaxBatch}

// BenchmarkParse: every row turns the same body into the same validated
// batch (README "Beside its peers" has the table of the checks each row
// makes), over three corpora and four batch sizes:
//
//	go test -run '^$' -bench 'Parse/.*/metrics=100$' -benchmem -count 6 -benchtime 100ms ./variants/parser > parse.txt
//	go tool benchstat -col /variant parse.txt
//
// Each row keeps its parser and destination across iterations (see
// parseRow); SetBytes makes benchstat report MB/s.
func BenchmarkParse(b *testing.B) {
	for _, r := range parseRows() {
		for _, c := range benchCorpora {
			for _, n := range benchSizes {
				body := []byte(c.body(n))
				b.Run(fmt.Sprintf("variant=%s/corpus=%s/metrics=%d", r.name, c.name, n), func(b *testing.B) {
					parse := r.new()
					if ms, err := parse(body); err != nil || len(ms) != n {
						b.Fatalf("parse: %d metrics, %v", len(ms), err)
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
}

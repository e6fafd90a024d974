package http1

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// benchPost is a typical ingestion request: curl posting one metric with a
// bearer token.
const benchPost = "POST /metrics HTTP/1.1\r\n" +
	"Host: localhost:8080\r\n" +
	"User-Agent: curl/8.5.0\r\n" +
	"Accept: */*\r\n" +
	"Authorization: Bearer client-0042-4f1c9a7e\r\n" +
	"Content-Type: application/json\r\n" +
	"Content-Length: 71\r\n" +
	"\r\n" +
	`{"metrics":[{"name":"cpu.usage","value":42.5,"tags":{"host":"web-01"}}]}`

const benchGet = "GET /health HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"

// BenchmarkReadRequest compares reading one request, head and body, with
// this package and with net/http's http.ReadRequest + io.ReadAll. Both reuse
// one bufio.Reader, as a server does per connection; http1 also reuses its
// Reader (per connection), which is what lets it hand out the repeated Host
// and Authorization without allocating.
//
//	go test -run XXX -bench BenchmarkReadRequest -benchmem -count 6 ./internal/http1/ > /tmp/h1.txt
//	go tool benchstat -col /impl /tmp/h1.txt
func BenchmarkReadRequest(b *testing.B) {
	reqs := []struct{ name, raw string }{
		{"post-1metric", benchPost},
		{"get-health", benchGet},
	}
	impls := []struct {
		name string
		read func(b *testing.B) func(br *bufio.Reader) int
	}{
		{"http1", func(b *testing.B) func(br *bufio.Reader) int {
			var r Reader
			var req Request
			return func(br *bufio.Reader) int {
				if err := r.ReadHeader(br, &req); err != nil {
					b.Fatal(err)
				}
				if err := r.ReadBody(br, &req); err != nil {
					b.Fatal(err)
				}
				return len(req.Body)
			}
		}},
		{"net-http", func(b *testing.B) func(br *bufio.Reader) int {
			return func(br *bufio.Reader) int {
				req, err := http.ReadRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(req.Body)
				if err != nil {
					b.Fatal(err)
				}
				return len(body)
			}
		}},
	}
	for _, impl := range impls {
		for _, rq := range reqs {
			b.Run("impl="+impl.name+"/req="+rq.name, func(b *testing.B) {
				sr := strings.NewReader(rq.raw)
				br := bufio.NewReader(sr)
				read := impl.read(b)
				b.ReportAllocs()
				b.SetBytes(int64(len(rq.raw)))
				for b.Loop() {
					sr.Reset(rq.raw)
					br.Reset(sr)
					read(br)
				}
			})
		}
	}
}

// BenchmarkAppendResponse encodes the answer to a POST: date=none is the
// encoding before responses carried a Date; date=cached adds the Date the
// server sends, read from a DateCache at time.Now() per response (as the
// server does for a request that had no clock reading yet).
func BenchmarkAppendResponse(b *testing.B) {
	for _, date := range []string{"none", "cached"} {
		b.Run("date="+date, func(b *testing.B) {
			var dates DateCache
			resp := &Response{ProtoMinor: 1, Status: 200, Body: []byte(`{"accepted":1}`)}
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				if date == "cached" {
					resp.Date = dates.Get(time.Now())
				}
				buf = AppendResponse(buf[:0], resp)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

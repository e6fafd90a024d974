package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"metricstream/internal/stages"
)

// skimResponse reads one 200 response without allocating (the client's
// allocations would drown the server's in allocs/op).
func skimResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return errors.New("not a 200: " + strconv.Quote(string(line)))
	}
	n := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) == 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n = 0
			for _, c := range v[:len(v)-2] {
				n = n*10 + int(c-'0')
			}
		}
	}
	_, err = br.Discard(n)
	return err
}

// BenchmarkKeepAlive is the keep-alive fast path end to end over loopback:
// one connection pipelining small POSTs (64 per write, every body already
// buffered when its head is read), rate limit off. allocs/op counts the
// whole process, client included; ns/op is per request. It is the check
// that hostile-client hardening (bodies read before a worker, the Date
// header, the id cap) costs this path nothing: run it on the code before
// and after. stages= is the stage timer (Config.Stages, -stages): off,
// 1 request in 64, every request; what timing costs is the difference
// (benchstat -col /stages).
func BenchmarkKeepAlive(b *testing.B) {
	for _, bc := range []struct {
		spec   string
		stages []stages.Every
	}{{"baseline", []stages.Every{0}}, {"optimized", []stages.Every{0, 64, 1}}} {
		for _, every := range bc.stages {
			b.Run("variant="+bc.spec+"/stages="+strings.ReplaceAll(every.String(), "/", "in"), func(b *testing.B) {
				// a deep writer queue: a loaded disk must not turn a request into a 503
				ts := start(b, bc.spec, func(c *Config) { c.WriterQueue = 1 << 16; c.Stages = stages.New(every) })
				c := dial(b, ts.addr)
				const depth = 64
				batch := strings.Repeat(request("POST", "/metrics", "bench", `{"metrics":[{"name":"cpu","value":1}]}`), depth)
				br := bufio.NewReaderSize(c.nc, 64<<10)
				b.ReportAllocs()
				b.ResetTimer()
				for n := 0; n < b.N; n += depth {
					if _, err := io.WriteString(c.nc, batch); err != nil {
						b.Fatal(err)
					}
					for range depth {
						if err := skimResponse(br); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"metricstream/internal/http1"
	"metricstream/variants"
)

// FuzzServer sends raw bytes (one or more requests, or garbage) to a
// running server, once per parser variant, and checks: the server never
// panics or hangs; every POST /metrics answered 2xx added exactly as many
// lines as it acknowledged metrics, and nothing else added any; every line
// is one complete JSON object.
func FuzzServer(f *testing.F) {
	for _, s := range []string{
		request("POST", "/metrics", "f", `{"metrics":[{"name":"cpu","value":1.5,"type":"gauge","tags":{"h":"a"}}]}`),
		request("POST", "/metrics", "f", `{"metrics":[{"name":"a","value":1},{"name":"b","value":2}]}`) + request("GET", "/health", "", ""),
		request("POST", "/metrics", "f", `{"metrics":[{"name":"cpu","value":NaN}]}`),
		chunked(chunks(`{"metrics":[{"name":`, `"c","value":3}]}`)),
		"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	type target struct {
		srv  *Server
		addr string
		sink *failingSink
	}
	var targets []target
	for _, spec := range []string{"parser=find,writer=sync", "parser=fsm,writer=sync"} {
		sink := &failingSink{}
		set, err := variants.Parse(spec)
		if err != nil {
			f.Fatal(err)
		}
		comp, err := ByName(set)
		if err != nil {
			f.Fatal(err)
		}
		s, err := New(Config{Components: comp, Sink: sink, HeaderTimeout: 2 * time.Second, BodyTimeout: 2 * time.Second,
			Limits: http1.Limits{MaxBodyBytes: 64 << 10}})
		if err != nil {
			f.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			f.Fatal(err)
		}
		go s.Serve(ln)
		f.Cleanup(func() { s.Shutdown(context.Background()) })
		targets = append(targets, target{s, ln.Addr().String(), sink})
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, tg := range targets {
			before := tg.sink.lines()
			nc, err := net.Dial("tcp", tg.addr)
			require.NoError(t, err)
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			nc.Write(raw)
			nc.(*net.TCPConn).CloseWrite() // the server sees EOF after the input
			br := bufio.NewReader(nc)
			acked := 0
			for {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					break
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var a struct{ Accepted *int }
				if resp.StatusCode/100 == 2 && json.Unmarshal(body, &a) == nil && a.Accepted != nil {
					acked += *a.Accepted
				}
			}
			// Until the server closes (EOF), it may still be writing.
			_, err = io.Copy(io.Discard, br)
			nc.Close()
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("server hung on %q", raw)
			}
			after := tg.sink.lines()
			added := after[len(before):]
			require.Equal(t, acked, len(added), "%q: %d metrics acknowledged, %d lines added", raw, acked, len(added))
			for _, l := range added {
				if !json.Valid(l) || bytes.ContainsAny(l, "\n\r") {
					t.Fatalf("bad line %q", l)
				}
			}
		}
	})
}

// lines returns the complete lines in the sink, without their '\n'.
func (f *failingSink) lines() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := bytes.Clone(f.buf.Bytes())
	if len(b) == 0 {
		return nil
	}
	return bytes.Split(b[:len(b)-1], []byte("\n"))
}

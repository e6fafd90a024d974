package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"metricstream/internal/stages"
	"metricstream/variants/executor"
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
// (benchstat -col /stages). write= batched: the answers to the pipelined
// requests leave in as few writes as the buffered requests allow; each:
// one write per answer, as before (benchstat -col /write).
func BenchmarkKeepAlive(b *testing.B) {
	for _, bc := range []struct {
		spec      string
		stages    stages.Every
		writeEach bool // every answer written at once (Config.writeEach), as before answers were held back
	}{
		{"baseline", 0, false},
		{"optimized", 0, false}, {"optimized", 64, false}, {"optimized", 1, false},
		{"optimized", 0, true},
	} {
		write := "batched"
		if bc.writeEach {
			write = "each"
		}
		name := "variant=" + bc.spec + "/stages=" + strings.ReplaceAll(bc.stages.String(), "/", "in") + "/write=" + write
		b.Run(name, func(b *testing.B) {
			// a deep writer queue: a loaded disk must not turn a request into a 503
			ts := start(b, bc.spec, func(c *Config) {
				c.WriterQueue = 1 << 16
				c.Stages = stages.New(bc.stages)
				c.writeEach = bc.writeEach
			})
			c := dial(b, ts.addr)
			const depth = 64
			batch := strings.Repeat(request("POST", "/metrics", "bench", `{"metrics":[{"name":"cpu","value":1}]}`), depth)
			br := bufio.NewReaderSize(c.nc, 64<<10)
			cpu0 := processCPU()
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
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkPeers is `make peers`'s load in process: the whole pipeline with
// the limiter on at a quota no client reaches (100,000 req/s), 50
// connections each with one request in flight (as wrk's), the
// Authorization cycling over 50 client ids per request, the one-metric
// POST of harness/peers/post.lua; conn=keepalive reuses the connection,
// conn=close dials one per request ("Connection: close"). exec= picks the
// pool executor: pool (requests served on the connection's goroutine under
// a semaphore of worker tokens) or pool-handoff (the worker goroutines it
// replaced); deadlines= coarse (reused while far enough away) or exact
// (set afresh for every request, as before); writer= yield (the async
// writer lets the ready request goroutines queue their batches before it
// collects a group) or eager (it writes each group as soon as its first
// batch arrives, as before: about one file write per request). Client
// and server share the process and its cores, so ns/op is per request of
// both; compare rows, not against wrk's figures. writes/op counts the
// process's write system calls per request: the client's request, the
// server's answer and the data file's writes. bufs= reused (a closed
// connection's buffers go to the next one) or fresh (allocated for each
// connection, as before); it matters with conn=close.
// cpu-ns/op is the process's CPU time (user + system, client included)
// per request: on a machine shared with other work it is steadier than
// ns/op, which also counts the time other processes held the cores.
func BenchmarkPeers(b *testing.B) {
	const ids = 50
	body := `{"metrics":[{"name":"lab_load_0","value":0.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"h0"}}]}`
	for _, ex := range []struct {
		name  string
		new   func(executor.Config) executor.Executor
		exact bool // deadlines set afresh per request (Config.exactDeadlines)
		eager bool // the async writer writes each group at once (Config.writerEager)
		fresh bool // new buffers for every connection (Config.freshBufs)
	}{
		{"pool/deadlines=coarse/writer=yield/bufs=reused", executor.NewPool, false, false, false},
		{"pool/deadlines=coarse/writer=yield/bufs=fresh", executor.NewPool, false, false, true},
		{"pool/deadlines=coarse/writer=eager/bufs=fresh", executor.NewPool, false, true, true},
		{"pool/deadlines=exact/writer=eager/bufs=fresh", executor.NewPool, true, true, true},
		{"pool-handoff/deadlines=exact/writer=eager/bufs=fresh", executor.NewPoolHandoff, true, true, true},
	} {
		for _, mode := range []string{"keepalive", "close"} {
			b.Run("exec="+ex.name+"/conn="+mode, func(b *testing.B) {
				ts := start(b, "optimized", func(c *Config) {
					c.RateLimit, c.WriterQueue = 100000, 1<<16
					c.Components.NewExecutor = ex.new
					c.exactDeadlines = ex.exact
					c.writerEager = ex.eager
					c.freshBufs = ex.fresh
				})
				reqs := make([][]byte, ids)
				for i := range reqs {
					r := request("POST", "/metrics", "wrk-"+strconv.Itoa(i), body)
					if mode == "close" {
						r = strings.Replace(r, "Host: test\r\n", "Host: test\r\nConnection: close\r\n", 1)
					}
					reqs[i] = []byte(r)
				}
				var next atomic.Uint64
				cpu0, w0 := processCPU(), writeCalls()
				b.SetParallelism((ids + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var nc net.Conn
					var br *bufio.Reader
					defer func() {
						if nc != nil {
							nc.Close()
						}
					}()
					for pb.Next() {
						if nc == nil {
							var err error
							if nc, err = net.Dial("tcp", ts.addr); err != nil {
								b.Error(err)
								return
							}
							if br == nil {
								br = bufio.NewReaderSize(nc, 4096)
							} else {
								br.Reset(nc)
							}
						}
						if _, err := nc.Write(reqs[next.Add(1)%ids]); err != nil {
							b.Error(err)
							return
						}
						if err := skimResponse(br); err != nil {
							b.Error(err)
							return
						}
						if mode == "close" {
							nc.Close()
							nc = nil
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(writeCalls()-w0)/float64(b.N), "writes/op")
				st := ts.Snapshot()
				if n := st.Requests.Total - st.Requests.ByStatus["200"]; n != 0 {
					b.Fatalf("%d requests not answered 200: %v", n, st.Requests.ByStatus)
				}
				if st.Clients.Dropped != 0 {
					b.Fatalf("the recorder dropped %d events", st.Clients.Dropped)
				}
			})
		}
	}
}

// writeCalls is the process's write system calls so far (syscw of
// /proc/self/io; 0 where it cannot be read). Per request of BenchmarkPeers:
// the client's request, the server's answer, and the data file writes.
func writeCalls() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// processCPU is the process's user + system CPU time so far, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkDeadlines is what a keep-alive request whose head arrived whole
// costs in deadlines alone: the waits WaitRequest goes through (idle,
// head, none) and the answer's write deadline, on a real TCP connection
// with the request buffered. deadlines=exact sets every deadline afresh
// (a time.Now and a runtime timer update each); deadlines=coarse reuses
// ones still far enough away and skips the header deadline for a head
// already buffered.
func BenchmarkDeadlines(b *testing.B) {
	for _, exact := range []bool{false, true} {
		name := "coarse"
		if exact {
			name = "exact"
		}
		b.Run("deadlines="+name, func(b *testing.B) {
			ts := start(b, "optimized", func(c *Config) { c.exactDeadlines = exact })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			cl, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			nc, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			c := ts.newConn(nc)
			defer nc.Close()
			if _, err := io.WriteString(cl, request("POST", "/metrics", "bench", `{"metrics":[{"name":"cpu","value":1}]}`)); err != nil {
				b.Fatal(err)
			}
			if _, err := c.br.Peek(1); err != nil {
				b.Fatal(err)
			}
			cfg := ts.cfg
			b.ReportAllocs()
			for b.Loop() {
				c.wait(waitIdle, cfg.IdleTimeout)
				c.wait(waitHead, cfg.HeaderTimeout)
				c.wait(waitNone, 0)
				c.setWriteDeadline()
			}
		})
	}
}

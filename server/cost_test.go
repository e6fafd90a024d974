package server

import (
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"metricstream/internal/metric"
	"metricstream/variants"
	"metricstream/variants/limiter"
	"metricstream/variants/lock"
	"metricstream/variants/metrics"
	"metricstream/variants/writer"
)

// The cost model's load: what `make peers` sends (harness/peers/post.lua
// and its -clients), at the rate its ceiling is about. Each stage below is
// the per-request work `optimized` does beyond a do-nothing handler, timed
// alone on these inputs.
const (
	costIDs   = 50
	costQuota = 100000
	// costRate is the request rate the stages are fed at (their fake
	// clock advances 1/costRate a request): the limiter's windows and the
	// recorder's flushes then hold what they hold under the peers' load,
	// about costRate/costIDs requests per client and second.
	costRate = 50000
	costBody = `{"metrics":[{"name":"lab_load_0","value":0.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"h0"}}]}`
)

// BenchmarkCost times, stage by stage, the work `optimized` adds to a
// request beyond a do-nothing handler, on `make peers`'s load: the
// one-metric batch of post.lua, 50 client ids cycling per request, the
// limiter on at 100,000/s per client. `lab peers` runs it once a round,
// pinned to the servers' core, and adds the stages to the fasthttp
// do-nothing handler's CPU per request to get the ceiling.
//
//	stage=parse      fsm Parse + ValidateBatchAt of the body
//	stage=limit      the rate-limit key (identities, the id cycling
//	                 defeats the connection's cache) and Window.Allow on
//	                 the pooled table
//	stage=record     the lock-free recorder's Record, and its Flush every
//	                 50 ms of the fake clock (the server's janitor)
//	stage=respond    the {"accepted":N} body and the server's counters
//	stage=write/group=G  AppendBatch (the JSON line) and the async
//	                 writer's Append, the background goroutine writing a
//	                 group of G batches to a file once per G requests
//	                 (GOMAXPROCS 1, runtime.Gosched every G): its
//	                 amortised write(2) is in the figure
//
// cpu-ns/op is the process's CPU time (getrusage) per request, the
// writer's goroutine included; the model uses it (ns/op also counts time
// the core was given to other processes).
func BenchmarkCost(b *testing.B) {
	set, err := variants.Parse("optimized")
	if err != nil {
		b.Fatal(err)
	}
	comp, err := ByName(set)
	if err != nil {
		b.Fatal(err)
	}
	auths := make([]string, costIDs)
	for i := range auths {
		auths[i] = "wrk-" + strconv.Itoa(i)
	}
	const step = time.Second / costRate
	t0 := time.Now()
	body := []byte(costBody)

	b.Run("stage=parse", func(b *testing.B) {
		p := comp.NewParser()
		costLoop(b, func(i int) {
			ms, err := p.Parse(body)
			if err == nil {
				err = metric.ValidateBatchAt(ms, t0)
			}
			if err != nil || len(ms) != 1 {
				b.Fatalf("parse: %v (%d metrics)", err, len(ms))
			}
		})
	})
	b.Run("stage=limit", func(b *testing.B) {
		lim, err := comp.NewLimiter(limiter.Config{Limit: costQuota, NewTable: comp.NewTable, MaxClients: lock.DefaultMaxClients})
		if err != nil {
			b.Fatal(err)
		}
		defer lim.Close()
		ids := newIdentities(DefaultMaxIDsPerAddr, lock.DefaultMaxClients)
		costLoop(b, func(i int) {
			now := t0.Add(time.Duration(i) * step)
			if d := lim.Allow(ids.key("127.0.0.1", auths[i%costIDs], now), now); !d.Allowed {
				b.Fatalf("request %d refused: %+v", i, d)
			}
		})
	})
	b.Run("stage=record", func(b *testing.B) {
		rec := comp.NewRecorder(metrics.Config{})
		every := int(flushEvery / step)
		costLoop(b, func(i int) {
			rec.Record(auths[i%costIDs], true)
			if i%every == every-1 {
				rec.Flush()
			}
		})
		if d := rec.Flush().Dropped; d != 0 {
			b.Fatalf("the recorder dropped %d events", d)
		}
	})
	b.Run("stage=respond", func(b *testing.B) {
		var st stats
		var out []byte
		costLoop(b, func(i int) {
			st.accepted.Add(1)
			out = append(out[:0], `{"accepted":`...)
			out = strconv.AppendInt(out, 1, 10)
			out = append(out, '}', '\n')
			st.count(200)
		})
	})
	for _, group := range []int{1, 2, 4, 8, 16} {
		b.Run("stage=write/group="+strconv.Itoa(group), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			f, err := writer.Open(filepath.Join(b.TempDir(), "metrics.jsonl"), b.Logf)
			if err != nil {
				b.Fatal(err)
			}
			w, err := comp.NewWriter(writer.Config{Sink: f, QueueLen: 1 << 16})
			if err != nil {
				b.Fatal(err)
			}
			ms, err := comp.NewParser().Parse(body)
			if err != nil {
				b.Fatal(err)
			}
			var lines []byte
			costLoop(b, func(i int) {
				lines = metric.AppendBatch(lines[:0], ms, t0.UnixMilli())
				if err := w.Append(lines); err != nil {
					b.Fatal(err)
				}
				if i%group == group-1 {
					runtime.Gosched() // the writer goroutine takes the group
				}
			})
			b.StopTimer()
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			if st := w.Stats(); st.Batches != uint64(b.N) {
				b.Fatalf("wrote %d batches of %d", st.Batches, b.N)
			}
		})
	}
}

// costLoop runs op b.N times and reports cpu-ns/op, the process's CPU time
// per op.
func costLoop(b *testing.B, op func(i int)) {
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op(i)
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

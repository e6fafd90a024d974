package metrics

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchFlushEvery is the background flusher's period during BenchmarkRecord.
// The server flushes about once a second; flushing far more often here keeps
// the rings from filling at benchmark rates (tens of millions of events a
// second), so LockFree is measured on its append path, not its drop path.
// The dropped/op metric shows how well that worked.
const benchFlushEvery = 100 * time.Microsecond

// benchRingSlots is LockFree's slot budget, split across the clients, so a
// client's ring holds what it records between two flushes even when a
// single P only runs the flusher at preemption points (every ~10 ms).
const benchRingSlots = 1 << 20

// BenchmarkRecord measures Record from b.RunParallel goroutines for 1
// client (every goroutine on the same ring or map entry) and for 100
// clients (goroutines spread out), with a background flusher. The
// atomic-counters row is the ceiling: per-client atomic counters at
// precomputed indices, no name lookup, no events.
func BenchmarkRecord(b *testing.B) {
	for _, n := range []int{1, 100} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("client-%d", i)
		}
		for _, v := range Variants {
			b.Run(fmt.Sprintf("variant=%s/clients=%d", v.Name, n), func(b *testing.B) {
				r := v.New(Config{RingSize: benchRingSlots / n})
				benchRecord(b, n,
					func(i int, admitted bool) { r.Record(names[i], admitted) },
					func() uint64 { return r.Flush().Dropped })
			})
		}
		b.Run(fmt.Sprintf("variant=atomic-counters/clients=%d", n), func(b *testing.B) {
			c := make([]paddedCounters, n)
			benchRecord(b, n,
				func(i int, admitted bool) {
					if admitted {
						c[i].admitted.Add(1)
					} else {
						c[i].rejected.Add(1)
					}
				},
				func() uint64 {
					var sum uint64
					for i := range c {
						sum += c[i].admitted.Load() + c[i].rejected.Load()
					}
					_ = sum
					return 0
				})
		})
	}
}

// paddedCounters is one client's counters on its own cache line.
type paddedCounters struct {
	admitted, rejected atomic.Uint64
	_                  [48]byte
}

// benchRecord runs record from RunParallel goroutines over clients indices,
// with flush called every benchFlushEvery from another goroutine, and
// reports the events flush said were dropped per op.
func benchRecord(b *testing.B, clients int, record func(i int, admitted bool), flush func() uint64) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(benchFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				flush()
			}
		}
	})
	// Create every client (LockFree's rings, its lookup cache) before timing.
	for i := range clients {
		record(i, true)
	}
	flush()
	var goroutines atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(goroutines.Add(1)) * 37 // spread goroutines over the clients
		for pb.Next() {
			record(i%clients, i&7 != 0)
			i++
		}
	})
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(flush())/float64(b.N), "dropped/op")
}

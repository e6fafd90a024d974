package lock

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/time/rate"
)

// window is a tiny sliding-window limiter state, the kind of update the rate
// limiter does under the table's lock: drop stamps older than the window,
// admit if fewer than limit remain.
type window struct {
	stamps [10]int64
	head   int
	n      int
}

func (w *window) allow(now int64) bool {
	const span = 1000
	for w.n > 0 && now-w.stamps[w.head] >= span {
		w.head = (w.head + 1) % len(w.stamps)
		w.n--
	}
	if w.n == len(w.stamps) {
		return false
	}
	w.stamps[(w.head+w.n)%len(w.stamps)] = now
	w.n++
	return true
}

func benchClients(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("client-%06d", i)
	}
	return ids
}

// BenchmarkDo measures one limiter decision per op, GOMAXPROCS goroutines
// each cycling through the client ids from a different starting point.
// variant=x-time-rate is the reference an ordinary Go service would write:
// a sync.Map of golang.org/x/time/rate limiters (each with its own mutex).
func BenchmarkDo(b *testing.B) {
	for _, clients := range []int{1, 100, 10000} {
		ids := benchClients(clients)
		for _, v := range Variants[window]() {
			b.Run(fmt.Sprintf("variant=%s/clients=%d", v.Name, clients), func(b *testing.B) {
				tab := v.New(Config{})
				var seq atomic.Int64
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					i := int(seq.Add(1)) * 7919
					var now int64
					fn := func(w *window) { w.allow(now) } // one closure per goroutine: no allocation per op
					for pb.Next() {
						now++
						tab.Do(ids[i%len(ids)], fn)
						i++
					}
				})
			})
		}
		b.Run(fmt.Sprintf("variant=x-time-rate/clients=%d", clients), func(b *testing.B) {
			var limiters sync.Map // string -> *rate.Limiter
			var seq atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1)) * 7919
				for pb.Next() {
					id := ids[i%len(ids)]
					l, ok := limiters.Load(id)
					if !ok {
						l, _ = limiters.LoadOrStore(id, rate.NewLimiter(10, 10))
					}
					l.(*rate.Limiter).Allow()
					i++
				}
			})
		})
	}
}

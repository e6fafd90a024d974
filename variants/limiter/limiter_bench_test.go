package limiter

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"metricstream/internal/redistest"
)

// xTimeRate is the standard peer: golang.org/x/time/rate's token bucket
// (float64 tokens), one *rate.Limiter per client in a map under one mutex.
type xTimeRate struct {
	mu    sync.Mutex
	m     map[string]*rate.Limiter // guarded by mu
	limit rate.Limit
	burst int
}

func (x *xTimeRate) Allow(client string, now time.Time) Decision {
	x.mu.Lock()
	l := x.m[client]
	if l == nil {
		l = rate.NewLimiter(x.limit, x.burst)
		x.m[client] = l
	}
	x.mu.Unlock()
	return Decision{Allowed: l.AllowN(now, 1)}
}

func (x *xTimeRate) EvictIdle(time.Time, time.Duration) int { return 0 }
func (x *xTimeRate) Clients() int                           { return len(x.m) }
func (x *xTimeRate) Close() error                           { return nil }

// benchRound makes each b.N round's Redis keys fresh: every round replays
// the same instants from t0.
var benchRound atomic.Int64

// BenchmarkAllow times one decision: clients cycle through 1 or 100 ids,
// each arriving at twice the rate (Limit 1000/s, one request per client
// every 500µs), so about half the decisions admit and half refuse. The
// local limiters use the default lock (pooled); redis runs against a real
// redis-server on loopback (its cost is the round trip) with the caller's
// clock.
func BenchmarkAllow(b *testing.B) {
	const limit = 1000
	srv := redistest.Start(b) // for the whole benchmark, not one b.N round
	builders := []struct {
		name string
		new  func(b *testing.B) Limiter
	}{
		{"window", func(b *testing.B) Limiter { l, _ := NewWindow(Config{Limit: limit}); return l }},
		{"bucket", func(b *testing.B) Limiter { l, _ := NewBucket(Config{Limit: limit}); return l }},
		{"redis", func(b *testing.B) Limiter {
			l, err := NewRedis(Config{Limit: limit, Redis: RedisConfig{Addr: srv.Addr, Prefix: fmt.Sprint(b.Name(), ":", benchRound.Add(1), ":"), CallerClock: true}})
			if err != nil {
				b.Fatal(err)
			}
			return l
		}},
		{"x-time-rate", func(b *testing.B) Limiter {
			return &xTimeRate{m: map[string]*rate.Limiter{}, limit: limit, burst: limit}
		}},
	}
	for _, v := range builders {
		for _, clients := range []int{1, 100} {
			b.Run(fmt.Sprintf("variant=%s/clients=%d", v.name, clients), func(b *testing.B) {
				l := v.new(b)
				defer l.Close()
				ids := make([]string, clients)
				for i := range ids {
					ids[i] = fmt.Sprint("client-", i)
				}
				step := 500 * time.Microsecond / time.Duration(clients)
				now := t0
				admitted := 0
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					now = now.Add(step)
					d := l.Allow(ids[i%clients], now)
					if d.Unavailable {
						b.Fatal("redis unavailable")
					}
					if d.Allowed {
						admitted++
					}
				}
				b.ReportMetric(100*float64(admitted)/float64(b.N), "admitted-%")
			})
		}
	}
}

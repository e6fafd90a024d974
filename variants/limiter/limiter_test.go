package limiter

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"metricstream/internal/redistest"
	"metricstream/variants/lock"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// forEach runs f once per variant: window and bucket over every lock
// variant, and redis (caller's clock, so instants are scripted) against a
// real redis-server started for the test.
func forEach(t *testing.T, cfg Config, f func(t *testing.T, algo string, l Limiter)) {
	t.Helper()
	var srv *redistest.Server
	for _, v := range Variants {
		if v.Name == "redis" {
			if srv == nil {
				srv = redistest.Start(t)
			}
			t.Run("variant=redis", func(t *testing.T) {
				c := cfg
				c.Redis = RedisConfig{Addr: srv.Addr, Prefix: t.Name() + ":", CallerClock: true}
				f(t, v.Name, build(t, v.New, c))
			})
			continue
		}
		for _, lv := range lock.Variants[State]() {
			t.Run("variant="+v.Name+"/lock="+lv.Name, func(t *testing.T) {
				c := cfg
				c.NewTable = lv.New
				f(t, v.Name, build(t, v.New, c))
			})
		}
	}
}

func build(t *testing.T, nw New, cfg Config) Limiter {
	t.Helper()
	l, err := nw(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// admits returns the decisions' Allowed values as a compact string, 1/0.
func admits(l Limiter, client string, at ...time.Time) string {
	var b strings.Builder
	for _, now := range at {
		d := l.Allow(client, now)
		if d.Unavailable {
			b.WriteByte('!')
		} else if d.Allowed {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// every returns n instants from start, step apart.
func every(start time.Time, step time.Duration, n int) []time.Time {
	at := make([]time.Time, n)
	for i := range at {
		at[i] = start.Add(time.Duration(i) * step)
	}
	return at
}

// TestSameInstant is the seed's curl loop: 15 requests at one instant get
// 10 admissions then 5 refusals, whatever the algorithm; the refusals say
// when to retry: when the window slides past t0 (window, redis) or when one
// token has refilled (bucket: 1/10 s).
func TestSameInstant(t *testing.T) {
	wantRetry := map[string]time.Duration{"window": time.Second, "bucket": 100 * time.Millisecond, "redis": time.Second}
	forEach(t, Config{Limit: 10}, func(t *testing.T, algo string, l Limiter) {
		if got := admits(l, "c", every(t0, 0, 15)...); got != "111111111100000" {
			t.Fatalf("15 at t0: %s, want 10 admitted then 5 refused", got)
		}
		d := l.Allow("c", t0)
		if d.Allowed || d.Unavailable || d.TableFull || d.RetryAfter != wantRetry[algo] {
			t.Fatalf("16th at t0: %+v, want refused with RetryAfter %v", d, wantRetry[algo])
		}
		// clients are independent
		if got := admits(l, "other", every(t0, 0, 10)...); got != "1111111111" {
			t.Fatalf("another client at t0: %s", got)
		}
	})
}

// TestSteadyRate: arrivals at exactly the rate are all admitted; arrivals at
// twice the rate get what each algorithm allows over 2 s: the window 10 per
// second (20), the bucket its burst of 10 then 10 per second (10 + 19.5).
func TestSteadyRate(t *testing.T) {
	want2x := map[string]string{
		"window": strings.Repeat("1111111111"+"0000000000", 2),
		"redis":  strings.Repeat("1111111111"+"0000000000", 2),
		// 10 tokens at t0, +½ token per 50ms step: the bucket empties after
		// 19 admissions (t0..t0+900ms), then admits every other request
		"bucket": strings.Repeat("1", 19) + strings.Repeat("01", 10) + "0",
	}
	forEach(t, Config{Limit: 10}, func(t *testing.T, algo string, l Limiter) {
		if got := admits(l, "steady", every(t0, 100*time.Millisecond, 50)...); got != strings.Repeat("1", 50) {
			t.Fatalf("one per 100ms for 5s: %s, want all admitted", got)
		}
		if got := admits(l, "fast", every(t0, 50*time.Millisecond, 40)...); got != want2x[algo] {
			t.Fatalf("one per 50ms for 2s:\n got %s\nwant %s", got, want2x[algo])
		}
	})
}

// TestWindowSlides: internal/ratelimit's script (window and redis), exact to
// the nanosecond boundary: an admission at t leaves the window at t+1s.
func TestWindowSlides(t *testing.T) {
	forEach(t, Config{Limit: 10}, func(t *testing.T, algo string, l Limiter) {
		if algo == "bucket" {
			return // the bucket's sliding is TestBucketBurst's
		}
		if got := admits(l, "c", every(t0, time.Millisecond, 15)...); got != "111111111100000" {
			t.Fatalf("15 over 15ms: %s", got)
		}
		d := l.Allow("c", t0.Add(500*time.Millisecond))
		if d.Allowed || d.RetryAfter != 500*time.Millisecond {
			t.Fatalf("at 500ms: %+v, want refused with 500ms to wait", d)
		}
		if got := admits(l, "c", t0.Add(time.Second), t0.Add(time.Second), t0.Add(time.Second+time.Millisecond)); got != "101" {
			t.Fatalf("at 1s, 1s, 1.001s: %s, want 101 (t0 left the window, t0+1ms not yet)", got)
		}
	})
}

// TestBucketBurst: a bucket of 20 with a rate of 10/s admits a burst of 20,
// then one request per 100ms, and refills to a full burst after 2s idle.
func TestBucketBurst(t *testing.T) {
	forEach(t, Config{Limit: 10, Burst: 20}, func(t *testing.T, algo string, l Limiter) {
		if algo != "bucket" {
			// the window variants ignore Burst: still 10 at one instant
			if got := admits(l, "c", every(t0, 0, 12)...); got != "111111111100" {
				t.Fatalf("%s with Burst 20: %s, want Limit (10) admitted", algo, got)
			}
			return
		}
		if got := admits(l, "c", every(t0, 0, 21)...); got != strings.Repeat("1", 20)+"0" {
			t.Fatalf("21 at t0: %s, want the burst of 20", got)
		}
		if d := l.Allow("c", t0.Add(99*time.Millisecond)); d.Allowed || d.RetryAfter != time.Millisecond {
			t.Fatalf("at 99ms: %+v, want refused, 1ms to wait", d)
		}
		// steady rate after the burst: one per 100ms, a second at the same instant refused
		for i := 1; i <= 30; i++ {
			at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
			if got := admits(l, "c", at, at); got != "10" {
				t.Fatalf("at %v: %s, want 10", at.Sub(t0), got)
			}
		}
		// 2s idle refills 20 tokens, never more
		if got := admits(l, "c", every(t0.Add(3*time.Second+2*time.Second), 0, 21)...); got != strings.Repeat("1", 20)+"0" {
			t.Fatalf("after 2s idle: %s, want a full burst of 20", got)
		}
		if got := admits(l, "c", every(t0.Add(time.Hour), 0, 21)...); got != strings.Repeat("1", 20)+"0" {
			t.Fatalf("after an hour idle: %s, want a burst of 20, not more", got)
		}
	})
}

// TestBucketExact: 3 per second is 333333333.3ns per token; integer units
// make the refill exact, so the first instant with a whole token is
// ceil(1e9/3) ns after the take, with no float drift over many periods.
func TestBucketExact(t *testing.T) {
	l := build(t, NewBucket, Config{Limit: 3, Burst: 1})
	if got := admits(l, "c", t0, t0); got != "10" {
		t.Fatalf("2 at t0 with burst 1: %s", got)
	}
	if d := l.Allow("c", t0.Add(333333333)); d.Allowed || d.RetryAfter != 1 {
		t.Fatalf("at 333333333ns: %+v, want refused with 1ns to wait", d)
	}
	if !l.Allow("c", t0.Add(333333334)).Allowed {
		t.Fatal("at 333333334ns: refused")
	}
	// 3000 periods of exactly 1s with a burst of 3: exactly 3 admitted each
	// second, never 2 (as a float level 2.999… would give)
	l3 := build(t, NewBucket, Config{Limit: 3, Burst: 3})
	for s := 1; s <= 3000; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		if got := admits(l3, "d", at, at, at, at); got != "1110" {
			t.Fatalf("second %d: %s, want 1110", s, got)
		}
	}
	// a clock stepping back refills nothing
	if got := admits(l, "c", t0.Add(-time.Hour), t0.Add(-time.Hour)); got != "00" {
		t.Fatalf("time going back: %s, want refused", got)
	}
}

func TestDisabled(t *testing.T) {
	forEach(t, Config{Limit: 0}, func(t *testing.T, algo string, l Limiter) {
		if got := admits(l, "c", every(t0, 0, 100)...); got != strings.Repeat("1", 100) {
			t.Fatalf("limit 0: %s", got)
		}
	})
}

// TestTableCap: the local limiters hold at most MaxClients clients; a new
// one beyond gets TableFull until idle clients are evicted.
func TestTableCap(t *testing.T) {
	forEach(t, Config{Limit: 10, MaxClients: 3}, func(t *testing.T, algo string, l Limiter) {
		for i := 0; i < 3; i++ {
			if d := l.Allow(fmt.Sprint("c", i), t0); !d.Allowed {
				t.Fatalf("c%d refused: %+v", i, d)
			}
		}
		d := l.Allow("c3", t0)
		if algo == "redis" {
			if !d.Allowed || l.Clients() != 0 || l.EvictIdle(t0.Add(time.Minute), 10*time.Second) != 0 {
				t.Fatalf("redis holds no local clients: %+v, clients %d", d, l.Clients())
			}
			return
		}
		if !d.TableFull || d.Allowed {
			t.Fatalf("4th client with MaxClients 3: %+v, want TableFull", d)
		}
		if l.Clients() != 3 {
			t.Fatalf("clients = %d", l.Clients())
		}
		if n := l.EvictIdle(t0.Add(10*time.Second), 10*time.Second); n != 3 {
			t.Fatalf("evicted %d, want 3", n)
		}
		if d := l.Allow("c3", t0.Add(10*time.Second)); !d.Allowed || l.Clients() != 1 {
			t.Fatalf("c3 after eviction: %+v, clients %d", d, l.Clients())
		}
	})
}

// redisLimiter builds a Redis limiter on addr.
func redisLimiter(t *testing.T, addr, prefix string, limit int, window time.Duration, callerClock, failOpen bool) *Redis {
	t.Helper()
	l := build(t, NewRedis, Config{Limit: limit, Window: window,
		Redis: RedisConfig{Addr: addr, Prefix: prefix, CallerClock: callerClock, FailOpen: failOpen}})
	return l.(*Redis)
}

// TestRedisReplicasShareQuota: two limiters ("replicas") on one Redis admit
// a client's quota once between them, with the caller's clock and with
// Redis's own; two local limiters admit it twice.
func TestRedisReplicasShareQuota(t *testing.T) {
	srv := redistest.Start(t)
	for _, callerClock := range []bool{true, false} {
		t.Run(fmt.Sprint("callerClock=", callerClock), func(t *testing.T) {
			// a minute-long window, so Redis's clock moving on during the
			// test cannot free a slot
			a := redisLimiter(t, srv.Addr, t.Name(), 10, time.Minute, callerClock, false)
			b := redisLimiter(t, srv.Addr, t.Name(), 10, time.Minute, callerClock, false)
			var got [2]int
			for i := 0; i < 30; i++ {
				l := []*Redis{a, b}[i%2]
				d := l.Allow("c", t0.Add(time.Duration(i)*time.Millisecond))
				if d.Unavailable {
					t.Fatalf("request %d: Redis unavailable", i)
				}
				if d.Allowed {
					got[i%2]++
				}
				if !d.Allowed && (d.RetryAfter <= 0 || d.RetryAfter > time.Minute) {
					t.Fatalf("request %d: RetryAfter %v", i, d.RetryAfter)
				}
			}
			if got != [2]int{5, 5} {
				t.Fatalf("admitted per replica %v, want [5 5]: 10 for the fleet", got)
			}
		})
	}
	t.Run("local", func(t *testing.T) {
		a := build(t, NewWindow, Config{Limit: 10})
		b := build(t, NewWindow, Config{Limit: 10})
		n := strings.Count(admits(a, "c", every(t0, 0, 15)...)+admits(b, "c", every(t0, 0, 15)...), "1")
		if n != 20 {
			t.Fatalf("two local windows admitted %d, want 20 (each its own quota)", n)
		}
	})
}

// TestRedisStateBounded: a client's key holds at most Limit members and
// expires one window after its last admission.
func TestRedisStateBounded(t *testing.T) {
	srv := redistest.Start(t)
	l := redisLimiter(t, srv.Addr, "p:", 10, 2*time.Second, true, false)
	admits(l, "c", every(t0, time.Millisecond, 100)...)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	defer rdb.Close()
	ctx := context.Background()
	if n, err := rdb.ZCard(ctx, "p:c").Result(); err != nil || n != 10 {
		t.Fatalf("ZCARD p:c = %d, %v; want 10", n, err)
	}
	if ttl, err := rdb.PTTL(ctx, "p:c").Result(); err != nil || ttl <= 0 || ttl > 2*time.Second {
		t.Fatalf("PTTL p:c = %v, %v; want within (0, 2s]", ttl, err)
	}
	if keys, err := rdb.Keys(ctx, "*").Result(); err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, %v; want only p:c", keys, err)
	}
}

// TestRedisNoScript: after SCRIPT FLUSH (as after a Redis restart) EVALSHA
// gets NOSCRIPT and the limiter falls back to EVAL, keeping its decisions.
func TestRedisNoScript(t *testing.T) {
	srv := redistest.Start(t)
	l := redisLimiter(t, srv.Addr, "p:", 10, time.Second, true, false)
	if got := admits(l, "c", every(t0, 0, 5)...); got != "11111" {
		t.Fatalf("before flush: %s", got)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	defer rdb.Close()
	if err := rdb.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if got := admits(l, "c", every(t0, 0, 7)...); got != "1111100" {
		t.Fatalf("after SCRIPT FLUSH: %s, want the remaining 5 admitted then refusals", got)
	}
	if l.Failures() != 0 {
		t.Fatalf("failures = %d", l.Failures())
	}
}

// TestRedisDown: Redis killed mid-run; every decision then follows the fail
// policy: fail open admits, fail closed refuses with a RetryAfter, and both
// say Unavailable.
func TestRedisDown(t *testing.T) {
	for _, failOpen := range []bool{true, false} {
		t.Run(fmt.Sprint("failOpen=", failOpen), func(t *testing.T) {
			srv := redistest.Start(t)
			l := redisLimiter(t, srv.Addr, "p:", 3, time.Second, true, failOpen)
			if got := admits(l, "c", every(t0, 0, 4)...); got != "1110" {
				t.Fatalf("Redis up: %s", got)
			}
			srv.Kill()
			// the first decision after the kill may still be served by an
			// open connection's error path; all must be Unavailable within
			// a bounded number of tries
			var d Decision
			for i := 0; i < 100 && !d.Unavailable; i++ {
				d = l.Allow("c", t0)
			}
			if !d.Unavailable {
				t.Fatalf("Redis killed: %+v after 100 decisions, want Unavailable", d)
			}
			for i := 0; i < 10; i++ {
				d := l.Allow("c", t0)
				if !d.Unavailable || d.Allowed != failOpen || (!failOpen && d.RetryAfter <= 0) {
					t.Fatalf("Redis down, decision %d: %+v, want Unavailable, Allowed=%v", i, d, failOpen)
				}
			}
			if l.Failures() < 10 {
				t.Fatalf("failures = %d", l.Failures())
			}
		})
	}
}

// TestRedisUnreachable: a Redis that never was (a closed port) is the same:
// the policy decides, within the configured timeout, and New does not fail.
func TestRedisUnreachable(t *testing.T) {
	srv := redistest.Start(t)
	addr := srv.Addr
	srv.Stop() // a port nothing listens on any more
	l := redisLimiter(t, addr, "p:", 3, time.Second, false, false)
	if d := l.Allow("c", t0); d.Allowed || !d.Unavailable {
		t.Fatalf("fail closed, Redis unreachable: %+v", d)
	}
}

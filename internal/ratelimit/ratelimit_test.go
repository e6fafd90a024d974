package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"metricstream/variants/lock"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func forEachTable(t *testing.T, f func(t *testing.T, l *Limiter)) {
	for _, v := range lock.Variants[Window]() {
		t.Run("lock="+v.Name, func(t *testing.T) { f(t, New(10, v.New(lock.Config{MaxClients: 3}))) })
	}
}

// TestSlidingWindow scripts arrivals at fixed instants (no sleeps).
func TestSlidingWindow(t *testing.T) {
	forEachTable(t, func(t *testing.T, l *Limiter) {
		// the seed's curl loop: 15 requests at once -> 10 admitted, 5 refused
		var got []bool
		for i := 0; i < 15; i++ {
			got = append(got, l.AllowAt("client1", t0.Add(time.Duration(i)*time.Millisecond)).Allowed)
		}
		if fmt.Sprint(got) != "[true true true true true true true true true true false false false false false]" {
			t.Fatalf("admissions = %v", got)
		}
		d := l.AllowAt("client1", t0.Add(500*time.Millisecond))
		if d.Allowed || d.RetryAfter != 500*time.Millisecond {
			t.Fatalf("at 500ms: %+v, want refused with 500ms to wait", d)
		}
		// the window slides: at 1s the first admission (t0) leaves, one slot frees
		if !l.AllowAt("client1", t0.Add(time.Second)).Allowed {
			t.Fatal("at 1s: refused, want admitted")
		}
		if l.AllowAt("client1", t0.Add(time.Second)).Allowed {
			t.Fatal("at 1s second request: admitted, want refused (t0+1ms still in window)")
		}
		if !l.AllowAt("client1", t0.Add(time.Second+time.Millisecond)).Allowed {
			t.Fatal("at 1.001s: refused")
		}
		// clients are independent
		if !l.AllowAt("client2", t0).Allowed {
			t.Fatal("client2 refused")
		}
	})
}

func TestDisabledAndCap(t *testing.T) {
	forEachTable(t, func(t *testing.T, l *Limiter) {
		for i := 0; i < 3; i++ {
			if d := l.AllowAt(fmt.Sprint("c", i), t0); !d.Allowed {
				t.Fatalf("c%d refused", i)
			}
		}
		if d := l.AllowAt("c3", t0); !d.TableFull || d.Allowed {
			t.Fatalf("4th client with MaxClients 3: %+v, want TableFull", d)
		}
		if n := l.EvictIdle(t0.Add(10*time.Second), 10*time.Second); n != 3 {
			t.Fatalf("evicted %d, want 3", n)
		}
		if l.Clients() != 0 {
			t.Fatalf("clients after eviction = %d", l.Clients())
		}
		if d := l.AllowAt("c3", t0.Add(10*time.Second)); !d.Allowed {
			t.Fatalf("c3 after eviction: %+v", d)
		}
		l.Limit = 0
		for i := 0; i < 100; i++ {
			if !l.AllowAt("c3", t0).Allowed {
				t.Fatal("limit 0 refused a request")
			}
		}
	})
}

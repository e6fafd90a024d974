package server

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"metricstream/internal/redistest"
	"metricstream/variants/limiter"
)

// TestRedisDown: with limiter=redis, Redis killed mid-run: fail closed
// answers 503 with Retry-After (the limit cannot be checked), fail open
// admits; both count the decisions in GET /metrics's limiter.unavailable.
func TestRedisDown(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		t.Run(fmt.Sprint("failOpen=", failOpen), func(t *testing.T) {
			rs := redistest.Start(t)
			clock := newClock()
			ts := start(t, "limiter=redis", func(c *Config) {
				c.RateLimit, c.Now = 2, clock.Now
				c.Redis = limiter.RedisConfig{Addr: rs.Addr, CallerClock: true, FailOpen: failOpen}
			})
			c := dial(t, ts.addr)
			body := `{"metrics":[{"name":"test","value":1}]}`
			var got []int
			for i := 0; i < 3; i++ {
				got = append(got, c.do("POST", "/metrics", "client1", body).status)
			}
			require.Equal(t, "[200 200 429]", fmt.Sprint(got), "Redis up: %v, want [200 200 429]", got)
			rs.Kill()
			want := 503
			if failOpen {
				want = 200
			}
			for i := 0; i < 3; i++ {
				r := c.do("POST", "/metrics", "client1", body)
				if r.status != want || (want == 503 && r.header.Get("Retry-After") != "1") {
					t.Fatalf("Redis down, request %d: %d %s Retry-After %q, want %d", i, r.status, r.body, r.header.Get("Retry-After"), want)
				}
			}
			if st := ts.Snapshot(); st.Limiter.Unavailable != 3 {
				t.Fatalf("limiter.unavailable = %d, want 3", st.Limiter.Unavailable)
			}
		})
	}
}

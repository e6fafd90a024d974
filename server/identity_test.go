package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestIdentityFlood: one remote address rotating Authorization values is
// held to (MaxIDsPerAddr + 1) quotas: its first 64 ids are clients of
// their own, every further id shares the address's quota. 10^5 requests
// from one address cycling over 1,000 ids are admitted (64+1) × 10 = 650
// times in one second (each id would have had its own quota: 10,000), and
// neither the id table nor the limiter's client table grows past the cap.
// It drives the server's own admission path (admit: route, key, limit)
// without a socket, so 10^5 requests take milliseconds;
// TestIdentityFloodWire checks the same over TCP.
func TestIdentityFlood(t *testing.T) {
	const (
		requests = 100_000
		ids      = 1000
		limit    = 10
	)
	for _, spec := range []string{"limiter=window", "limiter=bucket"} {
		t.Run("variant="+spec, func(t *testing.T) {
			clock := newClock()
			ts := start(t, spec, func(c *Config) { c.RateLimit, c.Now = limit, clock.Now })
			attacker := &conn{s: ts.Server, remote: "192.0.2.7"}
			attacker.req.Method, attacker.req.Path = "POST", "/metrics"
			admitted := 0
			for i := range requests {
				attacker.req.Authorization = fmt.Sprint("rotating-", i%ids)
				attacker.now = clock.Now()
				attacker.admit()
				if attacker.handler == hIngest {
					admitted++
				}
			}
			if want := (DefaultMaxIDsPerAddr + 1) * limit; admitted != want {
				t.Fatalf("%d rotating requests from one address: %d admitted, want (%d ids + the address) × %d = %d",
					requests, admitted, DefaultMaxIDsPerAddr, limit, want)
			}
			if n := ts.ids.len(); n != DefaultMaxIDsPerAddr {
				t.Fatalf("id table holds %d ids, want the cap %d", n, DefaultMaxIDsPerAddr)
			}
			if n := ts.limiter.Clients(); n > DefaultMaxIDsPerAddr+1 {
				t.Fatalf("limiter tracks %d clients, want at most %d", n, DefaultMaxIDsPerAddr+1)
			}
			// Another address is not affected: its first id gets a quota.
			other := &conn{s: ts.Server, remote: "192.0.2.8", now: clock.Now()}
			other.req.Method, other.req.Path, other.req.Authorization = "POST", "/metrics", "rotating-999"
			other.admit()
			if other.handler != hIngest {
				t.Fatalf("another address's first request refused: %d %s", other.refusal.Status, other.refusal.Body)
			}
			st := ts.Snapshot()
			t.Logf("%d requests, %d ids from one address: %d admitted; %d keyed by the address; id table %d, limiter clients %d",
				requests, ids, admitted, st.Limiter.SharedByAddr, st.Limiter.IDs, st.Limiter.Clients)
			// Once an address has been idle for the eviction time, its ids
			// are forgotten; an address still sending keeps its own.
			clock.Add(ts.evictIdle())
			other.now = clock.Now()
			other.admit()
			ts.ids.evictIdle(clock.Now(), ts.evictIdle())
			if n := ts.ids.len(); n != 1 { // the other address's id
				t.Fatalf("after eviction the id table holds %d, want 1", n)
			}
		})
	}
}

// TestIdentityFloodWire: the same cap over TCP, with a small cap: 200
// pipelined requests from 127.0.0.1, each with a new Authorization value;
// 4 ids get a quota of their own and the rest share the address's 2.
func TestIdentityFloodWire(t *testing.T) {
	const requests = 200
	clock := newClock()
	ts := start(t, "optimized", func(c *Config) { c.RateLimit, c.MaxIDsPerAddr, c.Now = 2, 4, clock.Now })
	c := dial(t, ts.addr)
	var b strings.Builder
	for i := range requests {
		b.WriteString(request("POST", "/metrics", fmt.Sprint("id-", i), `{"metrics":[{"name":"x","value":1}]}`))
	}
	c.send(b.String())
	var codes []int
	for range requests {
		codes = append(codes, c.read().status)
	}
	admitted := strings.Count(fmt.Sprint(codes), "200")
	if admitted != 4+2 || fmt.Sprint(codes[:6]) != "[200 200 200 200 200 200]" {
		t.Fatalf("statuses %v: %d admitted, want 4 ids × 1 + the address's 2 = 6, first", codes[:12], admitted)
	}
	r := c.do("GET", "/metrics", "", "")
	var st Stats
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Limiter.IDs != 4 || st.Limiter.MaxIDsPerAddr != 4 || st.Limiter.SharedByAddr != requests-4 {
		t.Fatalf("limiter stats %+v, want 4 ids, cap 4, %d shared", st.Limiter, requests-4)
	}
}

package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"metricstream/variants"
)

// seedHealthOf is GET /health decoded.
func seedHealthOf(t *testing.T, c *client) Health {
	t.Helper()
	r := c.do("GET", "/health", "", "")
	if r.status != 200 {
		t.Fatalf("GET /health: %d %s", r.status, r.body)
	}
	var h Health
	if err := json.Unmarshal(r.body, &h); err != nil {
		t.Fatalf("GET /health: %v: %s", err, r.body)
	}
	return h
}

// TestSeedDesignsServe starts each seed design on its own and
// checks that /health names it and marks it "seed_design", that it reports
// the process's OS threads and RSS, that the design's own counters appear,
// and that a valid batch from one client is acknowledged and stored (the
// designs break under concurrency or on unusual input, not on this).
func TestSeedDesignsServe(t *testing.T) {
	for _, spec := range variants.SeedDesigns() {
		t.Run(spec, func(t *testing.T) {
			ts := start(t, spec, nil)
			c := dial(t, ts.addr)
			for i := range 3 {
				body := fmt.Sprintf(`{"metrics":[{"name":"m%d","value":%d}]}`, i, i)
				if r := c.do("POST", "/metrics", "one-client", body); r.status != 200 {
					t.Fatalf("POST %d: %d %s", i, r.status, r.body)
				}
			}
			h := seedHealthOf(t, c)
			dim, v, _ := strings.Cut(spec, "=")
			var got map[string]string
			json.Unmarshal(h.Variant, &got)
			if !h.SeedDesign || got[dim] != v || h.Preset != "" {
				t.Errorf("/health seed_design %v, variant %s, preset %q; want true, %s, none", h.SeedDesign, h.Variant, h.Preset, spec)
			}
			if h.Process.Threads < 1 || h.Process.RSSBytes <= 0 {
				t.Errorf("/health process %+v, want OS threads and RSS", h.Process)
			}
			switch spec {
			case "executor=thread":
				if h.Seed == nil || h.Seed.Thread == nil || h.Seed.Thread.Threads != 1 || h.Seed.Thread.Blocking != 1 {
					t.Errorf("/health seed %+v, want thread stats: 1 connection on its own thread, blocking I/O", h.Seed)
				}
			case "metrics=spsc":
				ts.Snapshot() // flushes
				s := ts.SeedHealth()
				if s == nil || s.SPSC == nil || s.SPSC.Offered != 3 || s.SPSC.Flushed != 3 || s.SPSC.Lost != 0 {
					t.Errorf("spsc stats %+v, want 3 offered and flushed (one client, one at a time)", s)
				}
			case "writer=unbounded":
				if h.Seed == nil || h.Seed.Unbounded == nil {
					t.Errorf("/health seed %+v, want unbounded writer stats", h.Seed)
				}
			}
			if err := ts.stop(); err != nil && (spec != "writer=unbounded" || !strings.Contains(err.Error(), "dropped")) {
				t.Fatal(err)
			} else if err != nil {
				ts.stopErrOK = true // writer=unbounded dropped its queue: its finding, reported
			}
			if spec != "writer=unbounded" { // its queue may have been dropped: that is its finding
				if n := len(lines(t, ts.data)); n != 3 {
					t.Errorf("%d lines stored, want 3", n)
				}
			}
		})
	}
	t.Run("optimized", func(t *testing.T) {
		ts := start(t, "optimized", nil)
		h := seedHealthOf(t, dial(t, ts.addr))
		if h.SeedDesign || h.Seed != nil || h.Process.Threads < 1 {
			t.Errorf("optimized: seed_design %v, seed %+v, process %+v; want false, none, threads", h.SeedDesign, h.Seed, h.Process)
		}
	})
}

// TestThreadExecutorServer runs executor=thread behind the real server:
// 40 idle keep-alive connections hold 40 OS threads (seen in /health), the
// thread cap answers 503 beyond it instead of letting the process reach
// Go's fatal thread limit, and Shutdown wakes the threads blocked in recv.
func TestThreadExecutorServer(t *testing.T) {
	const idle, capN = 40, 41 // 40 idle + the one asking /health
	ts := start(t, "executor=thread", func(c *Config) { c.MaxThreads = capN })
	var cs []*client
	for range idle {
		c := dial(t, ts.addr)
		cs = append(cs, c)
	}
	probe := dial(t, ts.addr)
	deadline := time.Now().Add(10 * time.Second)
	h := seedHealthOf(t, probe)
	for h.Seed.Thread.Blocking < capN && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		h = seedHealthOf(t, probe)
	}
	if h.Seed.Thread.Threads != capN || h.Process.Threads < capN {
		t.Errorf("with %d connections: thread stats %+v, process %+v; want %d connection threads and at least as many OS threads", capN, h.Seed.Thread, h.Process, capN)
	}
	over := dial(t, ts.addr)
	if r := over.do("GET", "/health", "", ""); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("connection over the thread cap: %d %s, want 503 with Retry-After", r.status, r.body)
	}
	// every idle connection still works, over its blocking socket
	for i, c := range cs {
		if r := c.do("POST", "/metrics", fmt.Sprint("c", i), `{"metrics":[{"name":"x","value":1}]}`); r.status != 200 {
			t.Fatalf("conn %d: %d %s", i, r.status, r.body)
		}
	}
	done := make(chan error, 1)
	go func() { done <- ts.stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("hang: Shutdown did not wake the connection threads blocked in recv")
	}
	if n := len(lines(t, ts.data)); n != idle {
		t.Errorf("%d lines stored, want %d", n, idle)
	}
}

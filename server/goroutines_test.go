package server

import (
	"testing"
	"time"
)

// GET /health reports the server's goroutines (the harness's redis-outage
// scenario compares them before and after an outage): a connection with a
// goroutine of its own (executor=spawn) raises the count while it is open
// and the count comes back down when it closes.
func TestHealthGoroutines(t *testing.T) {
	ts := start(t, "baseline", nil)
	probe := dial(t, ts.addr)
	before := seedHealthOf(t, probe).Goroutines
	if before < 1 {
		t.Fatalf("/health goroutines %d", before)
	}
	var extra []*client
	for range 10 {
		c := dial(t, ts.addr)
		c.do("GET", "/health", "", "") // accepted and served: its goroutine runs
		extra = append(extra, c)
	}
	if n := seedHealthOf(t, probe).Goroutines; n < before+10 {
		t.Fatalf("/health goroutines %d with 10 more open connections, was %d", n, before)
	}
	for _, c := range extra {
		c.nc.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for n := seedHealthOf(t, probe).Goroutines; n > before; n = seedHealthOf(t, probe).Goroutines {
		if time.Now().After(deadline) {
			t.Fatalf("/health goroutines %d 5 s after closing the 10 connections, was %d", n, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

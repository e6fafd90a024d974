//go:build deadlock

// Run with: go test -tags deadlock -count=1 -run Naive ./variants/lock
// (make test-deadlock; make test runs it). Under the tag, lock=naive's
// per-client mutex is go-deadlock's Mutex (naive_deadlock.go), which records
// the order each goroutine takes locks in and reports an inversion with the
// stacks of both orders, whether or not the unlucky interleaving happened.

package lock

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	deadlock "github.com/sasha-s/go-deadlock"
)

// detector points go-deadlock's reports at a buffer for one test and
// counts them, instead of exiting the process (its default).
type detector struct {
	mu      sync.Mutex
	reports int
	log     bytes.Buffer
}

func (d *detector) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.Write(p)
}

func (d *detector) counts() (int, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reports, d.log.String()
}

func installDetector(t *testing.T) *detector {
	d := &detector{}
	old := deadlock.Opts
	deadlock.Opts.LogBuf = d
	deadlock.Opts.DeadlockTimeout = 5 * time.Second // a real hang is reported too
	deadlock.Opts.OnPotentialDeadlock = func() {
		d.mu.Lock()
		d.reports++
		d.mu.Unlock()
	}
	t.Cleanup(func() {
		deadlock.Opts.LogBuf = old.LogBuf
		deadlock.Opts.DeadlockTimeout = old.DeadlockTimeout
		deadlock.Opts.OnPotentialDeadlock = old.OnPotentialDeadlock
	})
	return d
}

// TestNaiveDesignHasNoLockOrderInversion checks the seed's claim on its
// design as written: requests (Do, one client's lock each) and the flush
// (Evict, one client's lock at a time) run together for many rounds, and
// the detector must report nothing, because no goroutine ever holds two
// client locks. Every client is inserted first and nothing is evicted, so
// the map is only read (concurrent inserts would abort the process, which
// is TestNaiveCrashes' finding, not this one's).
func TestNaiveDesignHasNoLockOrderInversion(t *testing.T) {
	d := installDetector(t)
	tab := NewNaive[state](Config{}).(*Naive[state])
	const clients = 32
	for c := range clients {
		tab.Do(fmt.Sprint("c", c), func(*state) {})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				tab.Do(fmt.Sprint("c", (g*7+i)%clients), func(s *state) { s.n++ })
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			tab.Evict(func(s *state) bool { return false })
		}
	})
	wg.Wait()
	if n, log := d.counts(); n != 0 {
		t.Fatalf("the detector reported %d potential deadlocks in the design as written:\n%s", n, log)
	}
	t.Log("lock=naive as written: no lock-order inversion (each request and each flush step holds one client lock); the seed's deadlock needs a path holding two")
}

// seedRequestHoldingTwo is the request path of the seed's deadlock story
// ("Thread A: holds client1 mutex, tries to lock client2"): not the code
// the seed shows, but what the deadlock needs.
func seedRequestHoldingTwo(n *Naive[state], first, second string) {
	a, b := n.m[first], n.m[second]
	a.mu.Lock()
	b.mu.Lock()
	b.s.n++
	b.mu.Unlock()
	a.mu.Unlock()
}

// seedFlushHoldingTwo is the flush of that story ("Thread B: locks
// client2, tries to lock client1"): a flush that keeps one client's lock
// while it takes the next.
func seedFlushHoldingTwo(n *Naive[state], first, second string) {
	a, b := n.m[first], n.m[second]
	a.mu.Lock()
	b.mu.Lock()
	a.s.n++
	b.mu.Unlock()
	a.mu.Unlock()
}

// TestNaiveTwoLockFlushDeadlock is the case that does deadlock: a request
// holding client1 and taking client2, and a flush holding client2 and
// taking client1. They run one after the other, so nothing hangs, and the
// detector must still report the inversion with both stacks: it judges the
// lock order, not the luck of the interleaving.
func TestNaiveTwoLockFlushDeadlock(t *testing.T) {
	d := installDetector(t)
	tab := NewNaive[state](Config{}).(*Naive[state])
	tab.Do("client1", func(*state) {})
	tab.Do("client2", func(*state) {})
	done := make(chan struct{})
	go func() { defer close(done); seedRequestHoldingTwo(tab, "client1", "client2") }()
	<-done
	done = make(chan struct{})
	go func() { defer close(done); seedFlushHoldingTwo(tab, "client2", "client1") }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("hang: the flush did not finish though the request had")
	}
	n, log := d.counts()
	if n == 0 {
		t.Fatal("the detector did not report the two-lock flush's inversion")
	}
	for _, want := range []string{"Inconsistent locking", "seedRequestHoldingTwo", "seedFlushHoldingTwo"} {
		if !strings.Contains(log, want) {
			t.Errorf("detector report lacks %q:\n%s", want, log)
		}
	}
	t.Logf("detector report (%d):\n%s", n, log)
}

package lock

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hangTimeout bounds waits that only detect a hang; it is never a speed
// assertion.
const hangTimeout = 10 * time.Second

// state is the S of the conformance suite.
type state struct {
	id     string       // set by fn, so idle can tell clients apart
	n      int          // incremented non-atomically: the table's lock is all that guards it
	inside atomic.Int32 // fns running on this state right now
}

// waitFor fails the test if ch is not closed (or sent on) within hangTimeout.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(hangTimeout):
		t.Fatalf("hang: %s did not happen within %v", what, hangTimeout)
	}
}

func forEachVariant(t *testing.T, test func(t *testing.T, name string, newTable func(Config) Table[state])) {
	for _, v := range Variants[state]() {
		t.Run("variant="+v.Name, func(t *testing.T) { test(t, v.Name, v.New) })
	}
}

func TestMutualExclusionPerClient(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newTable func(Config) Table[state]) {
		tab := newTable(Config{})
		const goroutines, iters, clients = 16, 2000, 5
		var overlaps atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range iters {
					client := fmt.Sprintf("c%d", (g+i)%clients)
					ok := tab.Do(client, func(s *state) {
						if s.inside.Add(1) != 1 {
							overlaps.Add(1)
						}
						n := s.n
						runtime.Gosched() // widen the window a missing lock would expose
						s.n = n + 1
						s.inside.Add(-1)
					})
					assert.True(t, ok, "Do(%q) = false below the cap", client)
				}
			})
		}
		wg.Wait()
		if n := overlaps.Load(); n != 0 {
			t.Errorf("%d fns ran concurrently for the same client", n)
		}
		total := 0
		for c := range clients {
			tab.Do(fmt.Sprintf("c%d", c), func(s *state) { total += s.n })
		}
		if want := goroutines * iters; total != want {
			t.Errorf("sum of counters = %d, want %d (lost updates)", total, want)
		}
		assert.Equal(t, clients, tab.Len(), "Len")
	})
}

// distinctClients returns two clients that do not share a lock in tab,
// where the variant allows that at all.
func distinctClients(tab Table[state]) (a, b string) {
	a, b = "client-a", "client-b"
	if p, ok := tab.(*Pooled[state]); ok {
		for i := 0; p.shardOf(a) == p.shardOf(b); i++ {
			b = fmt.Sprintf("client-b%d", i)
		}
	}
	return a, b
}

// TestDistinctClients checks that PerClient and Pooled run fns of distinct
// clients concurrently, and that Global serialises them, as documented.
func TestDistinctClients(t *testing.T) {
	forEachVariant(t, func(t *testing.T, name string, newTable func(Config) Table[state]) {
		tab := newTable(Config{})
		a, b := distinctClients(tab)
		entered, release := make(chan struct{}), make(chan struct{})
		var aDone atomic.Bool
		aReturned := make(chan struct{})
		go func() {
			defer close(aReturned)
			tab.Do(a, func(*state) {
				close(entered)
				<-release
				aDone.Store(true)
			})
		}()
		waitFor(t, entered, "fn for client A starting")

		bDone := make(chan struct{})
		var bSawADone bool
		go func() {
			defer close(bDone)
			tab.Do(b, func(*state) { bSawADone = aDone.Load() })
		}()
		if name == "global" {
			// Documented behaviour: one mutex for all clients. It is held
			// while A's fn runs, so B waits for A.
			if g := tab.(*Global[state]); g.mu.TryLock() {
				g.mu.Unlock()
				t.Fatal("global: table mutex free while a fn runs")
			}
			close(release)
			waitFor(t, bDone, "Do for client B after A released")
			assert.True(t, bSawADone, "global: fn for B ran before fn for A finished")
		} else {
			// B completes while A's fn is still blocked.
			waitFor(t, bDone, "Do for client B while A's fn is blocked")
			assert.False(t, bSawADone, "fn for B ran after A's: A was released early")
			close(release)
		}
		waitFor(t, aReturned, "Do for client A returning")
	})
}

func TestMaxClients(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newTable func(Config) Table[state]) {
		tab := newTable(Config{MaxClients: 3})
		inc := func(s *state) { s.n++ }
		for i := range 3 {
			require.True(t, tab.Do(fmt.Sprint(i), inc), "Do(%d) = false below the cap", i)
		}
		called := false
		assert.False(t, tab.Do("new", func(*state) { called = true }), "Do for a new client beyond the cap = true")
		assert.False(t, called, "fn called for a refused client")
		for i := range 3 {
			assert.True(t, tab.Do(fmt.Sprint(i), inc), "Do(%d) for an existing client at the cap = false", i)
		}
		assert.Equal(t, 3, tab.Len(), "Len")
		assert.Equal(t, 3, tab.Evict(func(s *state) bool { return true }), "Evict")
		assert.True(t, tab.Do("new", inc), "Do for a new client after Evict made room = false")
	})
}

func TestEvict(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newTable func(Config) Table[state]) {
		tab := newTable(Config{})
		const clients = 300
		for i := range clients {
			tab.Do(fmt.Sprint(i), func(s *state) { s.id = fmt.Sprint(i); s.n = i })
		}
		seen := map[string]bool{}
		removed := tab.Evict(func(s *state) bool {
			seen[s.id] = true
			return s.n%3 == 0
		})
		assert.Equal(t, clients/3, removed, "Evict")
		assert.Equal(t, clients, len(seen), "idle called for %d clients, want %d", len(seen), clients)
		assert.Equal(t, clients-clients/3, tab.Len(), "Len")
		for i := range clients {
			var n int
			tab.Do(fmt.Sprint(i), func(s *state) { n = s.n })
			want := i
			if i%3 == 0 {
				want = 0 // evicted: Do starts a fresh state
			}
			assert.Equal(t, want, n, "client %d: n", i)
		}
		assert.Zero(t, tab.Evict(func(*state) bool { return false }), "Evict(never)")
		assert.Equal(t, clients, tab.Len(), "Len after re-adding")
	})
}

// TestEvictConcurrentWithDo checks exact accounting while Evict races Do:
// every increment is either in a state that Evict removed (summed by idle
// when it says true) or in a state still held at the end. An increment
// written into an entry after its removal would be lost and break the sum.
func TestEvictConcurrentWithDo(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newTable func(Config) Table[state]) {
		tab := newTable(Config{})
		const goroutines, iters, clients = 8, 3000, 4
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range iters {
					assert.True(t, tab.Do(fmt.Sprint((g+i)%clients), func(s *state) { s.n++ }), "Do = false below the cap")
				}
			})
		}
		stop := make(chan struct{})
		evictorDone := make(chan struct{})
		evictedSum, evictedCount, removed := 0, 0, 0
		sumIdle := func(pred func(s *state) bool) func(s *state) bool {
			return func(s *state) bool {
				if !pred(s) {
					return false
				}
				evictedSum += s.n
				evictedCount++
				return true
			}
		}
		go func() {
			defer close(evictorDone)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				removed += tab.Evict(sumIdle(func(s *state) bool { return s.n%2 == i%2 }))
			}
		}()
		wg.Wait()
		close(stop)
		waitFor(t, evictorDone, "evictor stopping")

		removed += tab.Evict(sumIdle(func(*state) bool { return true }))
		assert.Equal(t, evictedCount, removed, "Evict returned %d in all, idle said true %d times", removed, evictedCount)
		if want := goroutines * iters; evictedSum != want {
			t.Errorf("increments accounted = %d, want %d", evictedSum, want)
		}
		if got := tab.Len(); got != 0 {
			t.Errorf("Len = %d after evicting all, want 0", got)
		}
	})
}

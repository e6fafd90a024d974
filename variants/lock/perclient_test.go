package lock

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// naiveTable is the seed's chapter 9, part A, kept to show its deadlock: a
// lock per client, and a flush that locks a client while already holding
// another. Its locks are channels so that a goroutine stuck on one can be
// told to give up, and the test always finishes without leaking goroutines.
type naiveTable struct {
	locks map[string]chan struct{} // one token slot per client: send = lock
}

func newNaiveTable(clients ...string) *naiveTable {
	t := &naiveTable{locks: map[string]chan struct{}{}}
	for _, c := range clients {
		t.locks[c] = make(chan struct{}, 1)
	}
	return t
}

// lock takes client's lock, or gives up (false) when abandon is closed.
func (t *naiveTable) lock(client string, abandon <-chan struct{}) bool {
	select {
	case t.locks[client] <- struct{}{}:
		return true
	case <-abandon:
		return false
	}
}

func (t *naiveTable) unlock(client string) { <-t.locks[client] }

// twoLocks is both the naive request path (holds A, takes B) and the naive
// flush (holds B, takes A): it locks first, reports that it holds it, waits
// until the other side holds its own first lock too (the unlucky
// interleaving, forced so the test is deterministic), then locks second.
func (t *naiveTable) twoLocks(first, second string, holding chan<- struct{}, otherHolds <-chan struct{}, abandon <-chan struct{}) bool {
	if !t.lock(first, abandon) {
		return false
	}
	defer t.unlock(first)
	close(holding)
	<-otherHolds
	if !t.lock(second, abandon) {
		return false
	}
	t.unlock(second)
	return true
}

// TestNaiveFlushDeadlocks demonstrates the seed's deadlock: request holds
// client A and wants B, flush holds B and wants A. Neither finishes.
func TestNaiveFlushDeadlocks(t *testing.T) {
	naive := newNaiveTable("A", "B")
	abandon := make(chan struct{})
	reqHolds, flushHolds := make(chan struct{}), make(chan struct{})
	var reqOK, flushOK bool
	var wg sync.WaitGroup
	wg.Go(func() { reqOK = naive.twoLocks("A", "B", reqHolds, flushHolds, abandon) })
	wg.Go(func() { flushOK = naive.twoLocks("B", "A", flushHolds, reqHolds, abandon) })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	select {
	case <-done:
		t.Fatal("naive two-lock flush finished: expected it to deadlock")
	case <-time.After(2 * time.Second):
		// Deadlocked, as the seed says. Each side waits for a lock the
		// other holds; there is no third party that could release them.
	}
	close(abandon) // unblock both so no goroutine leaks
	<-done
	if reqOK || flushOK {
		t.Errorf("after abandoning: request got both locks %v, flush %v; want neither", reqOK, flushOK)
	}
}

// TestEvictNoDeadlock puts the shipped Evict under the same pressure: a
// request holds client A's lock (its fn runs) and, through another
// goroutine, needs client B, while Evict starts walking (it will lock B
// and A, in map order). The naive flush would deadlock here whenever it
// reached B first; Evict and the request must both finish.
func TestEvictNoDeadlock(t *testing.T) {
	for _, v := range Variants[state]() {
		if v.Name == "global" {
			// One lock for everything: a fn that waits for another Do
			// deadlocks by itself, which the contract forbids.
			continue
		}
		t.Run("variant="+v.Name, func(t *testing.T) {
			tab := v.New(Config{})
			a, b := distinctClients(tab)
			tab.Do(a, func(s *state) { s.id = a })
			tab.Do(b, func(s *state) { s.id = b })

			reqHoldsA := make(chan struct{})
			reqDone := make(chan struct{})
			go func() {
				defer close(reqDone)
				tab.Do(a, func(s *state) {
					close(reqHoldsA)
					got := make(chan struct{})
					go func() { tab.Do(b, func(s *state) { s.n++ }); close(got) }()
					<-got // hold A until B is ours
					s.n++
				})
			}()
			<-reqHoldsA

			evictDone := make(chan int)
			go func() {
				evictDone <- tab.Evict(func(s *state) bool {
					// Runs with the client's lock held; the request
					// holds A (or has finished) by now.
					return s.id == b
				})
			}()
			waitFor(t, reqDone, "request holding A and taking B")
			select {
			case n := <-evictDone:
				if n > 1 {
					t.Errorf("Evict removed %d, want at most 1 (B)", n)
				}
			case <-time.After(hangTimeout):
				t.Fatal("hang: Evict did not finish")
			}
			var na int
			tab.Do(a, func(s *state) { na = s.n })
			assert.Equal(t, 1, na, "A's count")
		})
	}
}

// TestEvictUnderPressure runs Evict over and over while many goroutines
// hold one client and take another (each hop through a fresh goroutine, as
// a request path fanning out would) and checks that everything finishes.
func TestEvictUnderPressure(t *testing.T) {
	for _, v := range Variants[state]() {
		if v.Name == "global" {
			continue // see TestEvictNoDeadlock
		}
		t.Run("variant="+v.Name, func(t *testing.T) {
			tab := v.New(Config{})
			clients := make([]string, 64)
			for i := range clients {
				clients[i] = fmt.Sprint("client-", i)
			}
			if p, ok := tab.(*Pooled[state]); ok {
				// Nested Do on two clients of one shard would wait for
				// itself: keep only clients whose shards are all distinct.
				seen := map[int]bool{}
				kept := clients[:0]
				for _, c := range clients {
					if s := p.shardOf(c); !seen[s] {
						seen[s] = true
						kept = append(kept, c)
					}
				}
				clients = kept
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 300 {
						first := clients[(g+i)%len(clients)]
						second := clients[(g+i+1)%len(clients)]
						tab.Do(first, func(*state) {
							got := make(chan struct{})
							go func() { tab.Do(second, func(s *state) { s.n++ }); close(got) }()
							<-got
						})
					}
				})
			}
			evictor := make(chan struct{})
			go func() {
				defer close(evictor)
				for {
					select {
					case <-stop:
						return
					default:
						tab.Evict(func(s *state) bool { return s.n%2 == 1 })
					}
				}
			}()
			done := make(chan struct{})
			go func() { wg.Wait(); close(stop); <-evictor; close(done) }()
			waitFor(t, done, "requests and Evict finishing")
		})
	}
}

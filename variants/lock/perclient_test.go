package lock

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The seed's deadlock claim (chapter 9) is checked on lock=naive, the
// seed's design as written, by go-deadlock's lock-order detector:
// naive_deadlock_test.go, run with -tags deadlock (make test-deadlock).

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

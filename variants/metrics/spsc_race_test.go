// The seed's single-producer ring written by many goroutines is a data race
// by design (two producers store into one slot; the flusher reads a slot a
// producer is writing): this test measures what that race costs, so it
// cannot run under the race detector, which would (rightly) fail it. It is
// built only without -race; TestSPSCSingleProducer covers the ring under
// -race where the design's assumption holds.

//go:build !race

package metrics

import (
	"runtime"
	"sync"
	"testing"
)

// TestSPSCManyProducersLoseEvents runs the seed's ring the way the server
// does: several goroutines recording for one client at once, the flusher
// draining it between rounds. Each round offers fewer events than the ring
// holds, so nothing is lost to overrun and what is lost is lost to the
// single-producer write: two producers on one write index. Offered is
// exact; every offered event is either flushed or lost.
func TestSPSCManyProducersLoseEvents(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2: producers must run in parallel to collide")
	}
	// 800 events a round < SPSCRingSize; at least minRounds rounds, and
	// more (up to maxRounds) until a collision has lost an event: how often
	// producers overlap depends on the machine and its load.
	const producers, perRound, minRounds, maxRounds = 8, 100, 300, 30000
	s := NewSPSC(Config{}).(*SPSC)
	var snap Snapshot
	rounds := 0
	for ; rounds < minRounds || (rounds < maxRounds && s.SPSCStats().Lost == 0); rounds++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range producers {
			wg.Go(func() {
				<-start
				for i := range perRound {
					s.Record("one-client", i%2 == 0)
				}
			})
		}
		close(start)
		wg.Wait()
		snap = s.Flush()
	}
	st := s.SPSCStats()
	t.Logf("%d producers x %d events x %d rounds, one client: offered %d, flushed %d, lost %d (%.2f%%), torn %d, overrun %d",
		producers, perRound, rounds, st.Offered, st.Flushed, st.Lost, 100*float64(st.Lost)/float64(st.Offered), st.Torn, st.Overrun)
	if st.Offered != uint64(producers*perRound*rounds) {
		t.Fatalf("offered %d, want exactly %d", st.Offered, producers*perRound*rounds)
	}
	if st.Flushed+st.Lost != st.Offered || st.Torn > st.Flushed || st.Overrun > st.Lost {
		t.Errorf("accounting: flushed %d + lost %d != offered %d, or torn %d > flushed, or overrun %d > lost", st.Flushed, st.Lost, st.Offered, st.Torn, st.Overrun)
	}
	if st.Lost-st.Overrun == 0 {
		t.Errorf("no event lost to collisions in %d rounds of %d parallel producers on one ring: the single-producer write should collide", rounds, producers)
	}
	var sum uint64
	for _, tot := range snap.Clients {
		sum += tot.Admitted + tot.Rejected
	}
	if sum != snap.Flushed || snap.Recorded != snap.Flushed+snap.Dropped || snap.Flushed != st.Flushed-st.Torn {
		t.Errorf("snapshot %+v: totals sum %d; want totals = Flushed = untorn events (%d), Recorded = Flushed + Dropped", snap, sum, st.Flushed-st.Torn)
	}
}

package metrics

import (
	"fmt"
	"maps"
	"reflect"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// canDrop names the variants that may count events as Dropped (a full
// ring); the others must keep every event. Every variant must be listed.
var canDrop = map[string]bool{
	"mutex":    false,
	"lockfree": true,
}

// TestConformance runs the Recorder contract against every variant.
func TestConformance(t *testing.T) {
	for _, v := range Variants {
		drops, ok := canDrop[v.Name]
		require.True(t, ok, "variant %q is missing from canDrop", v.Name)
		t.Run("variant="+v.Name, func(t *testing.T) {
			t.Run("SingleGoroutine", func(t *testing.T) { testSingleGoroutine(t, v.New) })
			t.Run("Wraparound", func(t *testing.T) { testWraparound(t, v.New) })
			t.Run("ManyProducers", func(t *testing.T) { testManyProducers(t, v.New) })
			t.Run("TinyRing", func(t *testing.T) { testTinyRing(t, v.New, drops) })
			t.Run("Overflow", func(t *testing.T) { testOverflow(t, v.New) })
			t.Run("OverflowConcurrent", func(t *testing.T) { testOverflowConcurrent(t, v.New) })
			t.Run("SnapshotIsCopy", func(t *testing.T) { testSnapshotIsCopy(t, v.New) })
		})
	}
}

// checkConsistent checks what holds for every snapshot, even one taken
// while Record runs. It is safe to call from any goroutine.
func checkConsistent(t *testing.T, s Snapshot) {
	t.Helper()
	var sum uint64
	for c, tot := range s.Clients {
		n := tot.Admitted + tot.Rejected
		if n == 0 {
			t.Errorf("client %q listed with zero totals", c)
		}
		sum += n
	}
	assert.Equal(t, s.Flushed, sum, "client totals sum to %d, Flushed = %d", sum, s.Flushed)
	if s.Recorded < s.Flushed+s.Dropped {
		t.Errorf("Recorded %d < Flushed %d + Dropped %d", s.Recorded, s.Flushed, s.Dropped)
	}
}

// checkExact checks a snapshot taken with no Record in flight.
func checkExact(t *testing.T, s Snapshot, recorded uint64) {
	t.Helper()
	checkConsistent(t, s)
	assert.Equal(t, recorded, s.Recorded, "Recorded")
	assert.Equal(t, s.Flushed+s.Dropped, s.Recorded, "Recorded %d != Flushed %d + Dropped %d", s.Recorded, s.Flushed, s.Dropped)
}

// checkMonotonic checks that nothing in next went down since prev.
func checkMonotonic(t *testing.T, prev, next Snapshot) {
	t.Helper()
	if next.Recorded < prev.Recorded || next.Flushed < prev.Flushed || next.Dropped < prev.Dropped {
		t.Errorf("counters went down: %d/%d/%d then %d/%d/%d (recorded/flushed/dropped)",
			prev.Recorded, prev.Flushed, prev.Dropped, next.Recorded, next.Flushed, next.Dropped)
	}
	for c, p := range prev.Clients {
		n := next.Clients[c]
		if n.Admitted < p.Admitted || n.Rejected < p.Rejected {
			t.Errorf("client %q totals went down: %+v then %+v", c, p, n)
		}
	}
}

func testSingleGoroutine(t *testing.T, newRecorder func(Config) Recorder) {
	r := newRecorder(Config{})
	if s := r.Flush(); !reflect.DeepEqual(s, Snapshot{Clients: map[string]Totals{}}) {
		t.Errorf("empty recorder: Flush() = %+v, want all zero", s)
	}
	for _, admitted := range []bool{true, true, false, true} {
		r.Record("a", admitted)
	}
	r.Record("b", false)
	r.Record("b", false)
	want := Snapshot{
		Clients:  map[string]Totals{"a": {Admitted: 3, Rejected: 1}, "b": {Rejected: 2}},
		Recorded: 6,
		Flushed:  6,
	}
	if s := r.Flush(); !reflect.DeepEqual(s, want) {
		t.Errorf("Flush() = %+v, want %+v", s, want)
	}
	// Totals are cumulative: a second Flush with nothing new changes nothing.
	if s := r.Flush(); !reflect.DeepEqual(s, want) {
		t.Errorf("second Flush() = %+v, want %+v", s, want)
	}
	r.Record("a", true)
	want.Clients["a"] = Totals{Admitted: 4, Rejected: 1}
	want.Recorded, want.Flushed = 7, 7
	if s := r.Flush(); !reflect.DeepEqual(s, want) {
		t.Errorf("third Flush() = %+v, want %+v", s, want)
	}
}

// testWraparound sends many rings' worth through a small ring, flushing
// before it fills, so slots are reused over many laps and nothing is lost.
func testWraparound(t *testing.T, newRecorder func(Config) Recorder) {
	r := newRecorder(Config{RingSize: 4})
	var want Totals
	for i := range 100 {
		for j := range 3 {
			admitted := (i+j)%4 != 0
			r.Record("a", admitted)
			if admitted {
				want.Admitted++
			} else {
				want.Rejected++
			}
		}
		s := r.Flush()
		checkExact(t, s, uint64(3*(i+1)))
		require.Zero(t, s.Dropped, "round %d: Dropped", i)
	}
	assert.Equal(t, want, r.Flush().Clients["a"], "totals")
}

// testManyProducers records from 16 goroutines, all of them for one hot
// client and a few others, while another goroutine flushes in a loop. The
// ring is big enough to hold every event of the hot client, so nothing may
// be dropped and the final totals must be exact.
func testManyProducers(t *testing.T, newRecorder func(Config) Recorder) {
	const producers, perProducer = 16, 2000
	event := func(p, i int) (string, bool) {
		if i%2 == 0 {
			return "hot", (p+i)%3 != 0
		}
		return fmt.Sprintf("c%d", (p+i/2)%4), i%5 != 1
	}
	want := map[string]Totals{}
	for p := range producers {
		for i := range perProducer {
			c, admitted := event(p, i)
			tot := want[c]
			if admitted {
				tot.Admitted++
			} else {
				tot.Rejected++
			}
			want[c] = tot
		}
	}

	r := newRecorder(Config{RingSize: 1 << 15}) // > the hot client's 16000 events
	stop := make(chan struct{})
	flusherDone := make(chan int)
	go func() {
		flushes := 0
		var prev Snapshot
		for {
			select {
			case <-stop:
				flusherDone <- flushes
				return
			default:
			}
			s := r.Flush()
			checkConsistent(t, s)
			checkMonotonic(t, prev, s)
			prev = s
			flushes++
		}
	}()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				r.Record(event(p, i))
			}
		})
	}
	wg.Wait()
	close(stop)
	t.Logf("%d concurrent flushes", <-flusherDone)

	s := r.Flush()
	checkExact(t, s, producers*perProducer)
	assert.Zero(t, s.Dropped, "Dropped = %d with a ring larger than all events", s.Dropped)
	assert.True(t, reflect.DeepEqual(s.Clients, want), "totals = %v, want %v", s.Clients, want)
}

// testTinyRing floods one client's 4-event ring from 16 goroutines with no
// flusher: a ring variant must drop, and count every drop.
func testTinyRing(t *testing.T, newRecorder func(Config) Recorder, drops bool) {
	const producers, perProducer, ringSize = 16, 200, 4
	r := newRecorder(Config{RingSize: ringSize})
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				r.Record("hot", (p+i)%2 == 0)
			}
		})
	}
	wg.Wait()
	s := r.Flush()
	checkExact(t, s, producers*perProducer)
	if drops {
		if s.Dropped == 0 {
			t.Errorf("Dropped = 0 after %d events into a %d-event ring", producers*perProducer, ringSize)
		}
		if s.Flushed > ringSize {
			t.Errorf("Flushed = %d from a %d-event ring", s.Flushed, ringSize)
		}
	} else if s.Dropped != 0 {
		t.Errorf("Dropped = %d from a variant that keeps every event", s.Dropped)
	}

	// The Flush emptied the ring: the next events all fit.
	for i := range ringSize {
		r.Record("hot", i%2 == 0)
	}
	s2 := r.Flush()
	checkExact(t, s2, producers*perProducer+ringSize)
	if s2.Flushed != s.Flushed+ringSize || s2.Dropped != s.Dropped {
		t.Errorf("after %d more events: Flushed %d -> %d, Dropped %d -> %d; want +%d and unchanged",
			ringSize, s.Flushed, s2.Flushed, s.Dropped, s2.Dropped, ringSize)
	}
}

func testOverflow(t *testing.T, newRecorder func(Config) Recorder) {
	r := newRecorder(Config{MaxClients: 3})
	for i := range 10 {
		r.Record(fmt.Sprintf("c%d", i), true)
	}
	r.Record("c1", false) // tracked before the table filled: stays tracked
	r.Record("c9", false) // never tracked
	want := map[string]Totals{
		"c0":           {Admitted: 1},
		"c1":           {Admitted: 1, Rejected: 1},
		"c2":           {Admitted: 1},
		OverflowClient: {Admitted: 7, Rejected: 1},
	}
	s := r.Flush()
	checkExact(t, s, 12)
	assert.True(t, reflect.DeepEqual(s.Clients, want), "totals = %v, want %v", s.Clients, want)
}

// testOverflowConcurrent has 16 goroutines meet 100 new clients at once,
// with room for 10: exactly 10 are tracked, and each tracked client gets
// every one of its events (none leak into OverflowClient).
func testOverflowConcurrent(t *testing.T, newRecorder func(Config) Recorder) {
	const producers, clients, maxClients = 16, 100, 10
	r := newRecorder(Config{MaxClients: maxClients, RingSize: 2048})
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range clients {
				r.Record(fmt.Sprintf("n%d", (i*7+p)%clients), true)
			}
		})
	}
	wg.Wait()
	s := r.Flush()
	checkExact(t, s, producers*clients)
	require.Zero(t, s.Dropped, "Dropped")
	named := 0
	for c, tot := range s.Clients {
		if c == OverflowClient {
			continue
		}
		named++
		assert.Equal(t, (Totals{Admitted: producers}), tot, "tracked client %q: %+v, want %d admitted", c, tot, producers)
	}
	assert.Equal(t, maxClients, named, "%d clients tracked by name, want %d", named, maxClients)
	if got, want := s.Clients[OverflowClient], (Totals{Admitted: producers * (clients - maxClients)}); got != want {
		t.Errorf("%s = %+v, want %+v", OverflowClient, got, want)
	}
}

func testSnapshotIsCopy(t *testing.T, newRecorder func(Config) Recorder) {
	r := newRecorder(Config{})
	r.Record("a", true)
	s1 := r.Flush()
	kept := maps.Clone(s1.Clients)

	// The recorder does not change a snapshot it returned.
	r.Record("a", false)
	r.Record("b", true)
	r.Flush()
	assert.True(t, reflect.DeepEqual(s1.Clients, kept), "first snapshot changed to %v, was %v", s1.Clients, kept)

	// The caller's changes to a snapshot do not reach the recorder.
	s1.Clients["a"] = Totals{Admitted: 100}
	s1.Clients["zzz"] = Totals{Admitted: 1}
	delete(s1.Clients, "b")
	want := map[string]Totals{"a": {Admitted: 1, Rejected: 1}, "b": {Admitted: 1}}
	if s := r.Flush(); !reflect.DeepEqual(s.Clients, want) {
		t.Errorf("after mutating an old snapshot: totals = %v, want %v", s.Clients, want)
	}
}

// TestLockFreeRingSize checks RingSize rounding: a ring holds exactly the
// rounded size, and the rest of a burst is Dropped.
func TestLockFreeRingSize(t *testing.T) {
	for _, tc := range []struct{ config, size int }{
		{0, DefaultRingSize}, {1, 2}, {2, 2}, {5, 8}, {256, 256},
	} {
		t.Run(fmt.Sprintf("RingSize=%d", tc.config), func(t *testing.T) {
			r := NewLockFree(Config{RingSize: tc.config})
			for range tc.size + 10 {
				r.Record("a", true)
			}
			s := r.Flush()
			checkExact(t, s, uint64(tc.size+10))
			if s.Flushed != uint64(tc.size) || s.Dropped != 10 {
				t.Errorf("Flushed = %d, Dropped = %d; want %d and 10", s.Flushed, s.Dropped, tc.size)
			}
		})
	}
}

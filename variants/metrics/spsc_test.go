package metrics

import (
	"fmt"
	"testing"
)

// TestSPSCSingleProducer checks the seed's ring where its assumption holds:
// one producer at a time, the flusher between bursts. Nothing is lost or
// torn, the totals are exact, and more than SPSCRingSize events between two
// flushes overrun the ring ("wrap around, old data lost"), counted. It has
// no concurrent producers, so it runs under -race too.
func TestSPSCSingleProducer(t *testing.T) {
	s := NewSPSC(Config{}).(*SPSC)
	for i := range 700 {
		s.Record(fmt.Sprint("c", i%3), i%4 != 0)
	}
	snap := s.Flush()
	st := s.SPSCStats()
	if st != (SPSCStats{Offered: 700, Flushed: 700}) {
		t.Errorf("stats %+v; want 700 offered and flushed, nothing lost or torn", st)
	}
	var adm, rej uint64
	for _, tot := range snap.Clients {
		adm += tot.Admitted
		rej += tot.Rejected
	}
	if adm != 525 || rej != 175 || snap.Recorded != 700 || snap.Flushed != 700 || snap.Dropped != 0 || len(snap.Clients) != 3 {
		t.Errorf("snapshot %+v: admitted %d rejected %d; want 525/175 over 3 clients, 700 recorded and flushed", snap, adm, rej)
	}

	for range SPSCRingSize + 500 {
		s.Record("c0", true)
	}
	s.Flush()
	st = s.SPSCStats()
	want := SPSCStats{Offered: 700 + SPSCRingSize + 500, Flushed: 700 + SPSCRingSize, Lost: 500, Overrun: 500}
	if st != want {
		t.Errorf("after an overrun: %+v, want %+v", st, want)
	}
}

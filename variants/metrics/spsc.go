package metrics

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SPSC is the seed's chapter 10 ring buffer as written, a seed design
// chosen by spec only (metrics=spsc), never in a preset. Each
// client has a ring of SPSCRingSize (1000, the seed's BUFFER_SIZE) events
// and two atomic indices; Record is the seed's single-producer write:
//
//	idx := write.Load()              // write_index.load(relaxed)
//	slot[idx % N] = event            // plain stores, field by field
//	write.Store(idx + 1)             // write_index.store(release)
//
// and Flush is its reader: read.Load(), write.Load(), read the slots in
// between, read.Store(write).
//
// The seed's "Single writer" holds in its C++ only if one thread serves a
// client; in Go one client has many requests in flight (keep-alive,
// pipelining, several connections) on different goroutines. Two producers
// that load the same write index write the same slot and both store
// index+1: one event is lost, and the two slot writes interleave field by
// field, so the flusher can read a slot whose fields come from two events
// (torn). A producer can also store an older index after a newer one, and
// the write index goes backwards. These slot accesses are data races: the
// race detector reports them, and the test that exercises many producers
// is built only without -race (spsc_race_test.go).
//
// What SPSC counts, against an exact count kept outside the rings (SPSCStats):
//   - Offered: Record calls (one atomic counter, exact);
//   - Flushed: slots the flusher read, torn ones included;
//   - Torn: flushed slots whose fields disagree (each event carries a
//     check word computed from its other fields);
//   - Overrun: events overwritten before a Flush read them (more than
//     SPSCRingSize between two flushes: "wrap around, old data lost");
//   - Lost: Offered - Flushed, events never seen by the flusher (two
//     producers on one index, or overrun). Exact when no Record is in flight.
//
// Where this differs from the seed's text, and why: the client map is a
// sync.Map (the seed's unguarded std::unordered_map insert would abort a Go
// program with "concurrent map writes", which is lock=naive's lesson, not
// this one's); the flusher never moves the read index backwards when it
// finds the write index behind it (the seed's read_index.store(write_idx)
// would then re-read old slots and count them twice), and reads at most the
// last SPSCRingSize positions (the seed's loop would read wrapped slots
// twice). Snapshot.Flushed counts the untorn events, which go into the
// per-client totals; Snapshot.Dropped is Offered minus those, so the
// contract's Recorded == Flushed + Dropped holds; the per-event truth is in
// SPSCStats.
type SPSC struct {
	maxClients int

	byName sync.Map   // string -> *spscRing
	listMu sync.Mutex // the seed's list_mutex
	list   []*spscRing
	over   *spscRing // clients beyond maxClients

	offered atomic.Uint64

	flushMu sync.Mutex // serialises Flush
	totals  map[string]Totals
	valid   uint64 // guarded by flushMu: untorn events flushed
	flushed atomic.Uint64
	torn    atomic.Uint64
	overrun atomic.Uint64
}

// SPSCRingSize is the seed's BUFFER_SIZE.
const SPSCRingSize = 1000

type spscRing struct {
	name  string
	slots [SPSCRingSize]spscEvent
	write atomic.Uint64 // the seed's write_index
	read  atomic.Uint64 // the seed's read_index
}

// spscEvent is the seed's MetricEvent{now, allowed} plus a check word so a
// torn slot can be recognised.
type spscEvent struct {
	at       int64
	admitted uint64
	check    uint64
}

func eventCheck(at int64, admitted uint64) uint64 {
	return (uint64(at)^0x9e3779b97f4a7c15)*0xff51afd7ed558ccd ^ admitted
}

// SPSCStats are the seed design's own counters; see SPSC.
type SPSCStats struct {
	Offered uint64 `json:"offered"`
	Flushed uint64 `json:"flushed"`
	Lost    uint64 `json:"lost"`
	Torn    uint64 `json:"torn"`
	Overrun uint64 `json:"overrun"`
}

// NewSPSC returns the seed's single-producer ring recorder. Config.RingSize
// is ignored: the seed's BUFFER_SIZE is 1000.
func NewSPSC(c Config) Recorder {
	return &SPSC{maxClients: c.maxClients(), over: &spscRing{name: OverflowClient}, totals: map[string]Totals{}}
}

// Record is the seed's allow_request metrics write.
func (s *SPSC) Record(client string, admitted bool) {
	s.offered.Add(1)
	r := s.ring(client)
	var a uint64
	if admitted {
		a = 1
	}
	at := time.Now().UnixNano()
	idx := r.write.Load()
	ev := &r.slots[idx%SPSCRingSize]
	ev.at = at
	ev.admitted = a
	ev.check = eventCheck(at, a)
	r.write.Store(idx + 1)
}

func (s *SPSC) ring(client string) *spscRing {
	if v, ok := s.byName.Load(client); ok {
		return v.(*spscRing)
	}
	s.listMu.Lock()
	defer s.listMu.Unlock()
	if v, ok := s.byName.Load(client); ok {
		return v.(*spscRing)
	}
	if len(s.list) >= s.maxClients {
		return s.over
	}
	r := &spscRing{name: strings.Clone(client)}
	s.list = append(s.list, r)
	s.byName.Store(r.name, r)
	return r
}

// Flush is the seed's flush_metrics: snapshot the client list, then read
// each ring from read_index to write_index.
func (s *SPSC) Flush() Snapshot {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.listMu.Lock()
	rings := append(append([]*spscRing(nil), s.list...), s.over)
	s.listMu.Unlock()
	for _, r := range rings {
		read, write := r.read.Load(), r.write.Load()
		if write <= read {
			continue // behind (or regressed): nothing new the flusher can tell
		}
		if n := write - read; n > SPSCRingSize {
			s.overrun.Add(n - SPSCRingSize)
			read = write - SPSCRingSize
		}
		t := s.totals[r.name]
		for i := read; i < write; i++ {
			ev := &r.slots[i%SPSCRingSize]
			at, a, check := ev.at, ev.admitted, ev.check
			s.flushed.Add(1)
			if check != eventCheck(at, a) || a > 1 {
				s.torn.Add(1)
				continue
			}
			s.valid++
			if a == 1 {
				t.Admitted++
			} else {
				t.Rejected++
			}
		}
		if t != (Totals{}) {
			s.totals[r.name] = t
		}
		r.read.Store(write)
	}
	snap := Snapshot{Clients: make(map[string]Totals, len(s.totals)), Recorded: s.offered.Load(), Flushed: s.valid}
	for k, v := range s.totals {
		snap.Clients[k] = v
	}
	if snap.Recorded > snap.Flushed {
		snap.Dropped = snap.Recorded - snap.Flushed
	}
	return snap
}

// SPSCStats reports offered, flushed, lost, torn and overrun events as of
// the last Flush (Offered is live).
func (s *SPSC) SPSCStats() SPSCStats {
	st := SPSCStats{Offered: s.offered.Load(), Flushed: s.flushed.Load(), Torn: s.torn.Load(), Overrun: s.overrun.Load()}
	if st.Offered > st.Flushed {
		st.Lost = st.Offered - st.Flushed
	}
	return st
}

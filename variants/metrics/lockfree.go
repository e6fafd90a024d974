package metrics

import (
	"strings"
	"sync"
	"sync/atomic"
)

// LockFree is the seed's chapter 10 design made correct for Go: each client
// has a fixed-size ring of events that Record appends to with atomics and
// no mutex, and Flush drains every ring into the client's totals.
//
// What the seed gets wrong, and what this variant does instead:
//
//   - The seed's ring is single-producer: Record loads write_index, writes
//     slot write_index%N, then stores write_index+1. In Go one client has
//     many requests in flight at once (keep-alive, pipelining, several
//     connections), served by different goroutines, so two producers can
//     load the same write_index, write the same slot and both store the same
//     index+1: one event is lost and the two slot writes are a data race.
//     Here producers claim a position with CompareAndSwap on the ring's tail,
//     so each position has exactly one writer (a bounded MPSC queue after
//     Dmitry Vyukov's bounded MPMC queue, with one consumer: the flusher).
//   - The seed's full ring "wraps around, old data lost": a producer
//     overwrites a slot the flusher may be reading (a data race) and the
//     flusher, reading read_index..write_index modulo N, counts some slots
//     twice and never sees others. Here a producer that finds the ring full
//     neither blocks nor overwrites: it counts the event as Dropped.
//   - The seed inserts into client_metrics_ (operator[]) from every request
//     while the flusher iterates it. Here the client index is a sync.Map
//     (lock-free loads) and new rings are published by an atomic pointer.
//
// Record's fast path is a lookup in a read-only map (published by an atomic
// pointer and rebuilt by Flush when clients were added; clients newer than
// the last Flush are found in a sync.Map), one CompareAndSwap on the client's
// tail, a plain write of the slot and an atomic store of its sequence
// number; it never takes a mutex. A client's first Record takes a slow path
// under addMu once to create its ring; once MaxClients rings exist, unknown
// clients go straight to the overflow ring without it.
//
// Recorded is not a shared counter (it would put every Record on one
// contended cache line): each ring's tail counts its accepted events and
// its dropped counter its drops, and Flush sums them.
//
// Memory: per tracked client 16*RingSize bytes of slots (4 KiB at the
// default 256) plus about 250 bytes of ring header, name, sync.Map and cache entries;
// at most MaxClients rings plus the overflow ring, about 43 MiB at the
// defaults. The overflow ring is shared by every untracked client, so under
// a flood of new clients it is the one contended and dropping ring.
//
// Pick it when many cores record at high rates. Its cost is that events are
// Dropped (counted, never silently) when a client records more than RingSize
// events between two Flushes, so RingSize must cover a client's peak rate
// times the flush interval.
type LockFree struct {
	ringSize   int
	maxClients int

	cache    atomic.Pointer[map[string]*ring] // read-only; rings known at a past Flush
	byName   sync.Map                         // string -> *ring; every ring in rings
	rings    atomic.Pointer[[]*ring]          // immutable list of all tracked rings
	full     atomic.Bool                      // len(*rings) == maxClients; never reset
	overflow *ring                            // clients beyond maxClients, as OverflowClient

	addMu sync.Mutex // serialises ring creation; never taken by Flush
	added []*ring    // guarded by addMu; *rings is a prefix of it

	flushMu sync.Mutex // serialises Flush; never taken by Record
}

// NewLockFree returns a LockFree recorder.
func NewLockFree(c Config) Recorder {
	size := DefaultRingSize
	if c.RingSize > 0 {
		size = 2
		for size < c.RingSize {
			size <<= 1
		}
	}
	l := &LockFree{
		ringSize:   size,
		maxClients: c.maxClients(),
		overflow:   newRing(OverflowClient, size),
	}
	l.rings.Store(new([]*ring))
	l.cache.Store(new(map[string]*ring))
	return l
}

// Record appends one event to client's ring, or counts it as dropped when
// the ring is full.
func (l *LockFree) Record(client string, admitted bool) {
	r := l.ringFor(client)
	var ev uint64
	if admitted {
		ev = evAdmitted
	}
	if !r.push(ev) {
		r.dropped.Add(1)
	}
}

func (l *LockFree) ringFor(client string) *ring {
	if r, ok := (*l.cache.Load())[client]; ok {
		return r
	}
	if v, ok := l.byName.Load(client); ok {
		return v.(*ring)
	}
	if l.full.Load() {
		// client may have been added between the first load and full being
		// set; every ring was stored before full was, so this load is final.
		if v, ok := l.byName.Load(client); ok {
			return v.(*ring)
		}
		return l.overflow
	}
	return l.addRing(client)
}

// addRing is Record's slow path, taken once per client until MaxClients
// rings exist.
func (l *LockFree) addRing(client string) *ring {
	l.addMu.Lock()
	defer l.addMu.Unlock()
	if v, ok := l.byName.Load(client); ok {
		return v.(*ring) // another goroutine created it first
	}
	if len(l.added) >= l.maxClients {
		return l.overflow
	}
	// The name may be a slice of a request buffer: keep only its bytes.
	r := newRing(strings.Clone(client), l.ringSize)
	// append may write past the end of a published list's backing array;
	// no reader of that list looks there, so published lists stay immutable.
	list := append(l.added, r)
	l.added = list
	l.rings.Store(&list) // the flusher can drain r before any producer finds it
	l.byName.Store(r.name, r)
	if len(list) == l.maxClients {
		l.full.Store(true)
	}
	return r
}

// Flush drains every ring into its client's totals and returns a snapshot.
func (l *LockFree) Flush() Snapshot {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	rings := *l.rings.Load()
	s := Snapshot{Clients: make(map[string]Totals, len(rings)+1)}
	for _, r := range rings {
		l.flushRing(r, &s)
	}
	l.flushRing(l.overflow, &s)
	if len(rings) != len(*l.cache.Load()) {
		// Rebuild the read-only cache once per Flush that saw new clients:
		// O(clients) here instead of a copy-on-write map's O(clients) per
		// new client.
		m := make(map[string]*ring, len(rings))
		for _, r := range rings {
			m[r.name] = r
		}
		l.cache.Store(&m)
	}
	return s
}

// flushRing drains r and adds its counts to s. l.flushMu must be held.
func (l *LockFree) flushRing(r *ring, s *Snapshot) {
	r.drain()
	// Loaded after the drain, so tail >= every position drained and
	// Recorded >= Flushed + Dropped holds even while producers run.
	dropped := r.dropped.Load()
	s.Recorded += r.tail.Load() + dropped
	s.Dropped += dropped
	t := r.total
	if n := t.Admitted + t.Rejected; n > 0 {
		s.Flushed += n
		// A tracked client may itself be called OverflowClient: add, don't overwrite.
		c := s.Clients[r.name]
		c.Admitted += t.Admitted
		c.Rejected += t.Rejected
		s.Clients[r.name] = c
	}
}

// evAdmitted is the event bit for an admitted request. The seed's event
// also carried a timestamp; nothing in a Snapshot reads it, and time.Now
// would cost more than the rest of Record, so it is left out. The payload
// is a whole word, so at<<1|admitted would fit without growing the slot.
const evAdmitted = 1

// ring is a bounded multi-producer, single-consumer queue of events.
//
// Every slot carries a sequence number. Slot i starts at seq i. For
// position pos (slot pos&mask, lap pos/size):
//
//	seq == pos          free for the producer of pos
//	seq == pos+1        published: holds the event of pos, unread
//	seq == pos+size     consumed: free for the producer of pos+size
//
// A producer loads tail into pos and the slot's seq. seq == pos: it claims
// pos with tail.CompareAndSwap(pos, pos+1), writes ev, then stores
// seq = pos+1. seq < pos: the slot still holds (or is about to hold) the
// event of pos-size, so the ring is full and the event is dropped.
// seq > pos: another producer claimed pos first; reload tail and retry.
// The consumer reads the slot at head while its seq == head+1, then stores
// seq = head+size and advances head. A size of 1 would make "published"
// and "free for the next lap" the same number, hence the minimum of 2.
//
// Why this is race-free under the Go memory model: sync/atomic operations
// are sequentially consistent, and an atomic store that an atomic load
// observes is synchronized before it (the model's equivalent of C++'s
// release/acquire, which Go does not let you weaken). ev is a plain field:
//   - producer -> consumer: the producer writes ev, then stores seq = pos+1;
//     the consumer loads seq, sees pos+1, then reads ev. write ev happens
//     before the store, which is synchronized before the load, which happens
//     before the read: the read sees the write and does not race with it.
//   - consumer -> next producer: the consumer reads ev, then stores
//     seq = pos+size; the producer of pos+size loads that value before it
//     writes ev, so the read happens before the overwrite.
//   - producer vs producer: only the goroutine whose CompareAndSwap moved
//     tail from pos to pos+1 writes slot pos on that lap; tail only grows,
//     so no other CAS succeeds on pos, and a producer that lost the CAS
//     touches no slot field but the atomic seq.
//
// tail never passes an unconsumed slot (a full ring drops instead), so it
// counts exactly the events accepted: Recorded = tail + dropped. Positions
// are uint64 and do not wrap in practice.
type ring struct {
	// Flusher state, guarded by LockFree.flushMu.
	head  uint64 // next position to read
	total Totals // drained so far

	_ [64]byte // keep the flusher's writes off the producers' cache line

	// Producer state.
	tail    atomic.Uint64 // next position to claim = events accepted
	dropped atomic.Uint64 // events refused because the ring was full

	// Read-only after newRing.
	mask  uint64
	slots []slot
	name  string
}

// slot is 16 bytes: a sequence number and the event word.
type slot struct {
	seq atomic.Uint64
	ev  uint64 // written only by the producer that claimed the slot, see ring
}

func newRing(name string, size int) *ring {
	r := &ring{name: name, mask: uint64(size - 1), slots: make([]slot, size)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

// push appends ev, or reports false if the ring is full. Any number of
// goroutines may push at once, concurrently with one drain.
func (r *ring) push(ev uint64) bool {
	pos := r.tail.Load()
	for {
		s := &r.slots[pos&r.mask]
		switch d := int64(s.seq.Load() - pos); {
		case d == 0:
			if r.tail.CompareAndSwap(pos, pos+1) {
				s.ev = ev
				s.seq.Store(pos + 1) // publish
				return true
			}
			pos = r.tail.Load() // another producer took pos
		case d < 0:
			return false // the event of pos-size is not consumed yet
		default:
			pos = r.tail.Load() // our pos is stale
		}
	}
}

// drain moves every published event, in order, into r.total. At most one
// goroutine drains a ring at a time (LockFree.flushMu). It stops at the
// first slot not yet published, e.g. one a producer has claimed but not
// written; that event is drained by a later call. It reads at most one
// ring's worth, so producers refilling the ring cannot keep it looping.
func (r *ring) drain() {
	size := uint64(len(r.slots))
	for range size {
		s := &r.slots[r.head&r.mask]
		if s.seq.Load() != r.head+1 {
			return
		}
		if s.ev&evAdmitted != 0 {
			r.total.Admitted++
		} else {
			r.total.Rejected++
		}
		s.seq.Store(r.head + size) // free the slot for lap head/size+1
		r.head++
	}
}

package limiter

import (
	"sync"
	"time"

	"metricstream/variants/lock"
)

// Window is the sliding window log of seed chapter 4 (the default): a ring
// of each client's last Limit admission times. It admits at most Limit
// requests in any interval of length Window, exactly; a burst is therefore
// at most Limit at one instant, and a client that spent its quota waits
// until its oldest admission leaves the window. Memory: 8 bytes per
// admission in the client's last window, rounded up to a power of two (16
// slots at least), never more than Limit × 8 bytes. Pick it for an exact per-replica limit; it costs a ring per client
// and does not allow bursts above the rate.
//
// The algorithm is windowLog's (below); this type runs it over the lock
// dimension's table without allocating per decision (see op).
type Window struct {
	table  lock.Table[State]
	limit  int
	window int64 // ns
}

// NewWindow builds a Window over cfg.NewTable.
func NewWindow(cfg Config) (Limiter, error) {
	return &Window{table: cfg.table(), limit: cfg.Limit, window: int64(cfg.window())}, nil
}

// Allow implements Limiter.
func (w *Window) Allow(client string, now time.Time) Decision {
	if w.limit <= 0 {
		return Decision{Allowed: true}
	}
	o := getOp()
	o.now, o.limit, o.window, o.bucket = now.UnixNano(), w.limit, w.window, nil
	if !w.table.Do(client, o.fn) {
		putOp(o)
		return Decision{TableFull: true, RetryAfter: time.Duration(w.window)}
	}
	d := Decision{Allowed: o.ok, RetryAfter: time.Duration(o.retry)}
	putOp(o)
	return d
}

// EvictIdle implements Limiter. An evicted client's window is empty by
// then only if idle >= Window, so callers pass idle >= Window.
func (w *Window) EvictIdle(now time.Time, idle time.Duration) int {
	cutoff := now.UnixNano() - int64(idle)
	return w.table.Evict(func(s *State) bool { return s.window.last <= cutoff })
}

// Clients implements Limiter.
func (w *Window) Clients() int { return w.table.Len() }

// Close implements Limiter; a Window holds nothing to release.
func (w *Window) Close() error { return nil }

// op is one decision's arguments and results, run under the client's lock
// by lock.Table.Do. A closure capturing them would escape through the Table
// interface and cost allocations on every request; a pooled op whose fn is
// bound once (fn = o.run) costs none.
type op struct {
	now    int64
	limit  int     // window
	window int64   // window
	bucket *Bucket // nil for the window
	ok     bool
	retry  int64
	fn     func(*State)
}

func (o *op) run(s *State) {
	if o.bucket != nil {
		o.ok, o.retry = o.bucket.take(&s.bucket, o.now)
		return
	}
	o.ok, o.retry = s.window.allow(o.now, o.limit, o.window)
}

var ops = sync.Pool{New: func() any {
	o := &op{}
	o.fn = o.run
	return o
}}

func getOp() *op  { return ops.Get().(*op) }
func putOp(o *op) { o.bucket = nil; ops.Put(o) }

// windowLog is one client's sliding window log: the admission times (ns) of
// at most limit requests within the last window, kept in a ring. It is
// guarded by the lock.Table that holds it; its methods assume that lock is
// held.
//
// The seed's std::deque grows and shrinks on every request; a ring does the
// same job without an allocation per request. The ring grows by doubling,
// from minRing slots up to limit, as the client's admissions within one
// window need it: its memory follows what the client sends, at most
// limit × 8 bytes whatever it sends (promise 6 of docs/faults.md). A ring of exactly
// limit slots from the first request, as this was, put 8 MB on every client
// at a 1,000,000/s quota: the lock-contention scenario's 512 clients per
// trial took a server past 2 GB and the machine into reclaim.
type windowLog struct {
	times []int64 // ring of admission times, 0 < len ≤ limit once used
	head  int     // index of the oldest admission
	n     int     // admissions in the ring
	limit int     // the limit the ring was built for
	last  int64   // last request time, admitted or not, for idle eviction
}

// minRing is a new client's ring: the default quota (10/s) fits it.
const minRing = 16

// allow drops admissions older than window (ns), then admits now (ns) if
// fewer than limit remain. When it refuses, retry is how long until the
// oldest admission leaves the window: an admission at t leaves at t+window.
func (w *windowLog) allow(now int64, limit int, window int64) (ok bool, retry int64) {
	w.last = now
	if w.limit != limit {
		// first use, or the limit changed: start afresh
		w.times = make([]int64, min(minRing, limit))
		w.head, w.n, w.limit = 0, 0, limit
	}
	for w.n > 0 && now-w.times[w.head] >= window {
		w.head = (w.head + 1) % len(w.times)
		w.n--
	}
	if w.n >= limit {
		return false, w.times[w.head] + window - now
	}
	if w.n == len(w.times) {
		w.grow()
	}
	w.times[(w.head+w.n)%len(w.times)] = now
	w.n++
	return true, 0
}

// grow doubles the ring (at most limit slots), oldest admission first.
func (w *windowLog) grow() {
	t := make([]int64, min(2*len(w.times), w.limit))
	for i := range w.n {
		t[i] = w.times[(w.head+i)%len(w.times)]
	}
	w.times, w.head = t, 0
}

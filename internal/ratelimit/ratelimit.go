// Package ratelimit is the rate-limit algorithm of seed chapter 4: a sliding
// window log per client (the seed's deque of timestamps), with the locking
// strategy left to a lock.Table variant (chapters 4 and 9).
//
// Time is a parameter (AllowAt), so tests use fixed instants and never sleep.
package ratelimit

import (
	"time"

	"metricstream/variants/lock"
)

// Window is one client's sliding window: the admission times (ns) of at most
// limit requests within the last window, kept in a ring. It is guarded by the
// lock.Table that holds it; its methods assume that lock is held.
//
// The seed's std::deque grows and shrinks on every request; a ring of exactly
// limit slots does the same job with one allocation per client and bounds a
// client's memory at limit × 8 bytes, whatever it sends (RELIABILITY rule 6).
type Window struct {
	times []int64 // ring of admission times, len == limit once used
	head  int     // index of the oldest admission
	n     int     // admissions in the ring
	last  int64   // last request time, admitted or not, for idle eviction
}

// Allow drops admissions older than window (ns), then admits now (ns) if
// fewer than limit remain. When it refuses, retry is how long until the
// oldest admission leaves the window. The caller holds w's lock.
func (w *Window) Allow(now int64, limit int, window int64) (ok bool, retry int64) {
	w.last = now
	if len(w.times) != limit {
		// first use, or the limit changed: start afresh
		w.times = make([]int64, limit)
		w.head, w.n = 0, 0
	}
	for w.n > 0 && now-w.times[w.head] >= window {
		w.head = (w.head + 1) % limit
		w.n--
	}
	if w.n < limit {
		w.times[(w.head+w.n)%limit] = now
		w.n++
		return true, 0
	}
	return false, w.times[w.head] + window - now
}

// Last is the time (ns) of the client's last request, admitted or not, for
// idle eviction. The caller holds w's lock.
func (w *Window) Last() int64 { return w.last }

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // when !Allowed: until a slot frees up
	TableFull  bool          // the client is new and the table is at its cap
}

// Limiter admits at most Limit requests per client in any Window.
type Limiter struct {
	Limit  int           // requests per window; 0 or less disables limiting
	Window time.Duration // default 1s
	Table  lock.Table[Window]
}

// New returns a limiter of limit requests per second over table.
func New(limit int, table lock.Table[Window]) *Limiter {
	return &Limiter{Limit: limit, Window: time.Second, Table: table}
}

// AllowAt decides whether client may make a request at now.
func (l *Limiter) AllowAt(client string, now time.Time) Decision {
	if l.Limit <= 0 {
		return Decision{Allowed: true}
	}
	win := int64(l.Window)
	if win <= 0 {
		win = int64(time.Second)
	}
	var ok bool
	var retry int64
	if !l.Table.Do(client, func(w *Window) { ok, retry = w.Allow(now.UnixNano(), l.Limit, win) }) {
		return Decision{TableFull: true, RetryAfter: l.Window}
	}
	return Decision{Allowed: ok, RetryAfter: time.Duration(retry)}
}

// EvictIdle forgets clients with no request for at least idle, and returns
// how many it removed. An evicted client has an empty window by then only if
// idle >= Window, so callers pass idle >= Window.
func (l *Limiter) EvictIdle(now time.Time, idle time.Duration) int {
	cutoff := now.UnixNano() - int64(idle)
	return l.Table.Evict(func(w *Window) bool { return w.last <= cutoff })
}

// Clients is the number of clients currently tracked.
func (l *Limiter) Clients() int { return l.Table.Len() }

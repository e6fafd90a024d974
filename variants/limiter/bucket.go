package limiter

import (
	"time"

	"metricstream/variants/lock"
)

// Bucket is a token bucket with burst: each client's bucket holds up to
// Burst tokens (default Limit), refills at Limit tokens per Window, and a
// request takes one token. A client idle long enough to fill its bucket may
// send Burst requests at one instant, then Limit per Window; over any
// interval t it gets at most Burst + Limit·t/Window admissions (the window
// gives at most Limit·⌈t/Window⌉). Pick it when clients are bursty and the
// long-run rate is what matters; it keeps 24 bytes per client whatever the
// limit, where the window keeps Limit × 8.
//
// Arithmetic is exact integers: a token is Window units (ns of the window),
// and dt nanoseconds add dt × Limit units, so refills never drift (no
// floats) and RetryAfter is the exact time until one whole token.
type Bucket struct {
	table  lock.Table[State]
	limit  int64 // tokens per window, > 0 when enabled
	window int64 // ns; also the units of one token
	cap    int64 // Burst × window units
}

// bucketState is one client's bucket, guarded by the table's lock.
type bucketState struct {
	level int64 // units (one token = window units)
	last  int64 // ns of the last request (admitted or not): the refill reference
	used  bool  // false for a new client, whose bucket starts full
}

// NewBucket builds a Bucket over cfg.NewTable.
func NewBucket(cfg Config) (Limiter, error) {
	b := &Bucket{table: cfg.table(), limit: int64(cfg.Limit), window: int64(cfg.window())}
	burst := int64(cfg.Burst)
	if burst <= 0 {
		burst = b.limit
	}
	b.cap = burst * b.window
	return b, nil
}

// Allow implements Limiter.
func (b *Bucket) Allow(client string, now time.Time) Decision {
	if b.limit <= 0 {
		return Decision{Allowed: true}
	}
	o := getOp() // see op: no allocation per decision
	o.now, o.bucket = now.UnixNano(), b
	if !b.table.Do(client, o.fn) {
		putOp(o)
		return Decision{TableFull: true, RetryAfter: time.Duration(b.window)}
	}
	d := Decision{Allowed: o.ok, RetryAfter: time.Duration(o.retry)}
	putOp(o)
	return d
}

// take refills st up to now and takes one token if there is one; otherwise
// retry is the time until one whole token. Time going backwards (clock
// steps) refills nothing and keeps the later reference.
func (b *Bucket) take(st *bucketState, now int64) (ok bool, retry int64) {
	switch {
	case !st.used:
		st.used, st.level, st.last = true, b.cap, now
	case now > st.last:
		dt := now - st.last
		// (cap - level) / limit ns fill the bucket; cap first so dt × limit
		// cannot overflow after a long idle time
		if room := b.cap - st.level; dt >= room/b.limit+1 {
			st.level = b.cap
		} else {
			st.level += dt * b.limit
			if st.level > b.cap {
				st.level = b.cap
			}
		}
		st.last = now
	}
	if st.level >= b.window {
		st.level -= b.window
		return true, 0
	}
	missing := b.window - st.level
	return false, (missing + b.limit - 1) / b.limit // ceil: the first ns with a whole token
}

// EvictIdle implements Limiter. A bucket idle for Burst/Limit windows is
// full again, the same as a new client, so callers pass idle >= that.
func (b *Bucket) EvictIdle(now time.Time, idle time.Duration) int {
	cutoff := now.UnixNano() - int64(idle)
	return b.table.Evict(func(s *State) bool { return s.bucket.last <= cutoff })
}

// Clients implements Limiter.
func (b *Bucket) Clients() int { return b.table.Len() }

// Close implements Limiter; a Bucket holds nothing to release.
func (b *Bucket) Close() error { return nil }

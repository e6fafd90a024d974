package limiter

import (
	"time"

	"metricstream/internal/ratelimit"
	"metricstream/variants/lock"
)

// Window is the sliding window log of seed chapter 4 (the default): a ring
// of each client's last Limit admission times. It admits at most Limit
// requests in any interval of length Window, exactly; a burst is therefore
// at most Limit at one instant, and a client that spent its quota waits
// until its oldest admission leaves the window. Memory: Limit × 8 bytes per
// client. Pick it for an exact per-replica limit; it costs a ring per client
// and does not allow bursts above the rate.
//
// The algorithm is internal/ratelimit's; Window only adapts it to this
// package's State table and interface.
type Window struct {
	rl *ratelimit.Limiter
}

// NewWindow builds a Window over cfg.NewTable.
func NewWindow(cfg Config) (Limiter, error) {
	rl := ratelimit.New(cfg.Limit, windowTable{cfg.table()})
	rl.Window = cfg.window()
	return &Window{rl: rl}, nil
}

// Allow implements Limiter.
func (w *Window) Allow(client string, now time.Time) Decision {
	d := w.rl.AllowAt(client, now)
	return Decision{Allowed: d.Allowed, RetryAfter: d.RetryAfter, TableFull: d.TableFull}
}

// EvictIdle implements Limiter.
func (w *Window) EvictIdle(now time.Time, idle time.Duration) int { return w.rl.EvictIdle(now, idle) }

// Clients implements Limiter.
func (w *Window) Clients() int { return w.rl.Clients() }

// Close implements Limiter; a Window holds nothing to release.
func (w *Window) Close() error { return nil }

// windowTable presents a lock.Table[State] as the lock.Table[ratelimit.Window]
// that ratelimit.Limiter expects: same locking, the window part of State.
type windowTable struct{ t lock.Table[State] }

func (v windowTable) Do(client string, fn func(*ratelimit.Window)) bool {
	return v.t.Do(client, func(s *State) { fn(&s.window) })
}

func (v windowTable) Evict(idle func(*ratelimit.Window) bool) int {
	return v.t.Evict(func(s *State) bool { return idle(&s.window) })
}

func (v windowTable) Len() int { return v.t.Len() }

package reference

import (
	"sync"
	"time"
)

// limiter is the seed's sliding window log, written plainly: one mutex
// around a map from client to the times of its admitted requests within the
// last window.
type limiter struct {
	limit  int
	window time.Duration

	mu        sync.Mutex
	log       map[string][]time.Time // guarded by mu; admissions, oldest first
	lastSweep time.Time              // guarded by mu
}

// sweepEvery is how often allow drops clients whose window has emptied, so
// the map does not keep every client ever seen.
const sweepEvery = 10 * time.Second

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, log: map[string][]time.Time{}}
}

// allow admits client at now if it made fewer than limit requests in the
// window before now; otherwise it returns how long until one leaves.
func (l *limiter) allow(client string, now time.Time) (bool, time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= sweepEvery {
		for c, times := range l.log {
			if len(times) == 0 || now.Sub(times[len(times)-1]) >= l.window {
				delete(l.log, c)
			}
		}
		l.lastSweep = now
	}
	times := l.log[client]
	i := 0
	for i < len(times) && now.Sub(times[i]) >= l.window {
		i++
	}
	times = times[i:]
	if len(times) >= l.limit {
		l.log[client] = times
		return false, times[0].Add(l.window).Sub(now)
	}
	l.log[client] = append(times, now)
	return true, 0
}

func (l *limiter) clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.log)
}

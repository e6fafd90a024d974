package lock

import "sync"

// Global is the seed's chapter 4: one mutex guards the whole map and every
// fn runs under it, so requests of all clients are serialised.
//
// Pick it as the baseline: it is obviously correct and the cheapest when
// there is one core or one client. It costs scalability: every Do, whatever
// its client, waits for every other, and Evict stops all requests while it
// walks the map.
type Global[S any] struct {
	max int // immutable

	mu sync.Mutex
	m  map[string]*S // guarded by mu; len(m) <= max
}

// NewGlobal returns an empty Global table.
func NewGlobal[S any](cfg Config) Table[S] {
	return &Global[S]{max: cfg.max(), m: make(map[string]*S)}
}

// Do runs fn on client's state with the table mutex held.
func (g *Global[S]) Do(client string, fn func(s *S)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.m[client]
	if !ok {
		if len(g.m) >= g.max {
			return false
		}
		s = new(S)
		g.m[client] = s
	}
	fn(s)
	return true
}

// Evict removes the clients whose state idle reports true. It holds the
// table mutex for the whole walk.
func (g *Global[S]) Evict(idle func(s *S) bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for k, s := range g.m {
		if idle(s) {
			delete(g.m, k)
			n++
		}
	}
	return n
}

// Len returns the number of clients held.
func (g *Global[S]) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.m)
}

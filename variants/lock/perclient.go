package lock

import "sync"

// PerClient is the seed's chapter 9, part A, done right: a mutex per client,
// so requests of different clients run in parallel and only requests of the
// same client wait for each other.
//
// The seed's version deadlocks: its flush iterated the map locking clients,
// and a request path that held one client's lock while taking another's
// closed the cycle (request holds A wants B; flush holds B wants A). PerClient
// cannot deadlock because no goroutine ever holds two of its locks at once:
//
// Lock order (the whole rule): the map lock mu and an entry's lock e.mu are
// never held together, and no two entry locks are ever held together. Do
// takes mu (read, or write to insert), releases it, then takes e.mu. Evict
// snapshots the entries under mu.RLock, releases it, locks one entry at a
// time, and takes mu.Lock again only after releasing the last entry lock, to
// delete what it marked. fn and idle run with exactly one entry lock held.
//
// Eviction races: Do may look an entry up just before Evict removes it.
// Evict therefore marks the entry evicted under its lock before deleting it
// from the map; a Do that then locks the entry sees the mark, drops the
// stale entry from the map itself if it is still there, and looks up again.
// So fn never writes into a removed entry, where its update would be lost.
//
// Pick it when there are many clients and many cores. It costs a map lookup
// under an RWMutex (whose reader count is one shared cache line), an
// allocation and a mutex per client, and an Evict that allocates a snapshot.
type PerClient[S any] struct {
	max int // immutable

	mu sync.RWMutex
	m  map[string]*clientEntry[S] // guarded by mu; len(m) <= max
}

// clientEntry is one client's state and the lock guarding it.
type clientEntry[S any] struct {
	mu      sync.Mutex
	evicted bool // guarded by mu; set once, when the entry leaves (or is about to leave) the map
	s       S    // guarded by mu
}

// NewPerClient returns an empty PerClient table.
func NewPerClient[S any](cfg Config) Table[S] {
	return &PerClient[S]{max: cfg.max(), m: make(map[string]*clientEntry[S])}
}

// Do runs fn on client's state with only that client's lock held.
func (p *PerClient[S]) Do(client string, fn func(s *S)) bool {
	var stale *clientEntry[S]
	for {
		e := p.entry(client, stale)
		if e == nil {
			return false
		}
		if p.run(e, fn) {
			return true
		}
		stale = e // evicted between lookup and lock: look up again
	}
}

// run calls fn under e's lock unless e has been evicted.
func (p *PerClient[S]) run(e *clientEntry[S], fn func(s *S)) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.evicted {
		return false
	}
	fn(&e.s)
	return true
}

// entry returns client's entry, inserting a new one if the client is absent
// (nil if the table is full). stale, if not nil, is an entry found evicted:
// it is removed from the map if still there. Called with no lock held.
func (p *PerClient[S]) entry(client string, stale *clientEntry[S]) *clientEntry[S] {
	if stale == nil {
		p.mu.RLock()
		e := p.m[client]
		p.mu.RUnlock()
		if e != nil {
			return e
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.m[client]
	if e != nil && e == stale {
		delete(p.m, client)
		e = nil
	}
	if e != nil {
		return e // inserted by another Do since our RLock
	}
	if len(p.m) >= p.max {
		return nil
	}
	e = new(clientEntry[S])
	p.m[client] = e
	return e
}

// Evict removes the clients whose state idle reports true, holding one lock
// at a time (see the lock order on PerClient).
func (p *PerClient[S]) Evict(idle func(s *S) bool) int {
	type item struct {
		client string
		e      *clientEntry[S]
	}
	p.mu.RLock()
	snap := make([]item, 0, len(p.m))
	for k, e := range p.m {
		snap = append(snap, item{k, e})
	}
	p.mu.RUnlock()

	var gone []item
	for _, it := range snap {
		if p.mark(it.e, idle) {
			gone = append(gone, it)
		}
	}
	if len(gone) == 0 {
		return 0
	}
	p.mu.Lock()
	for _, it := range gone {
		if p.m[it.client] == it.e { // a Do may have replaced it already
			delete(p.m, it.client)
		}
	}
	p.mu.Unlock()
	return len(gone)
}

// mark sets e.evicted if idle says so, with e's lock held.
func (p *PerClient[S]) mark(e *clientEntry[S], idle func(s *S) bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.evicted || !idle(&e.s) {
		return false
	}
	e.evicted = true
	return true
}

// Len returns the number of clients held. While an Evict runs it may still
// count entries that Evict has marked but not yet deleted.
func (p *PerClient[S]) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.m)
}

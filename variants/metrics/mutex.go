package metrics

import (
	"strings"
	"sync"
)

// Mutex is the baseline: one mutex guards a map from client to its pending
// and flushed counts. Record takes the mutex for a map lookup and an
// increment; Flush takes it for a pass over every client, so a Flush holds
// up every Record for O(clients).
//
// Pick it when request rates are modest or Record calls rarely overlap: it
// is the simplest variant, never drops an event, and costs about 16 bytes of
// counts plus a map entry and the name per client. Under many cores its one
// mutex is the contention point LockFree removes.
type Mutex struct {
	maxClients int

	mu       sync.Mutex
	clients  map[string]*mutexEntry // guarded by mu; at most maxClients entries
	overflow mutexEntry             // guarded by mu; clients beyond maxClients
	recorded uint64                 // guarded by mu
	flushed  uint64                 // guarded by mu
}

// mutexEntry is one client's counts, all guarded by Mutex.mu.
type mutexEntry struct {
	pending Totals // recorded since the last Flush
	total   Totals // flushed so far
}

// NewMutex returns a Mutex recorder.
func NewMutex(c Config) Recorder {
	return &Mutex{
		maxClients: c.maxClients(),
		clients:    make(map[string]*mutexEntry),
	}
}

// Record counts one event for client.
func (m *Mutex) Record(client string, admitted bool) {
	m.mu.Lock()
	e := m.clients[client]
	if e == nil {
		e = m.newEntryLocked(client)
	}
	if admitted {
		e.pending.Admitted++
	} else {
		e.pending.Rejected++
	}
	m.recorded++
	m.mu.Unlock()
}

// newEntryLocked returns a new entry for client, or the overflow entry when
// maxClients clients are tracked already. m.mu must be held.
func (m *Mutex) newEntryLocked(client string) *mutexEntry {
	if len(m.clients) >= m.maxClients {
		return &m.overflow
	}
	e := new(mutexEntry)
	// The name may be a slice of a request buffer: keep only its bytes.
	m.clients[strings.Clone(client)] = e
	return e
}

// Flush moves pending counts into the totals and returns a snapshot.
func (m *Mutex) Flush() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Snapshot{Clients: make(map[string]Totals, len(m.clients)+1)}
	for name, e := range m.clients {
		m.flushEntryLocked(e)
		s.Clients[name] = e.total // every tracked client has recorded an event
	}
	m.flushEntryLocked(&m.overflow)
	if t := m.overflow.total; t.Admitted+t.Rejected > 0 {
		// A tracked client may itself be called OverflowClient: add, don't overwrite.
		o := s.Clients[OverflowClient]
		o.Admitted += t.Admitted
		o.Rejected += t.Rejected
		s.Clients[OverflowClient] = o
	}
	s.Recorded, s.Flushed = m.recorded, m.flushed
	return s
}

func (m *Mutex) flushEntryLocked(e *mutexEntry) {
	e.total.Admitted += e.pending.Admitted
	e.total.Rejected += e.pending.Rejected
	m.flushed += e.pending.Admitted + e.pending.Rejected
	e.pending = Totals{}
}

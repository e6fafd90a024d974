package lock

// Naive is the seed's chapter 9, part A, as written, a seed design (issue
// 13) chosen by spec only (lock=naive), never in a preset:
//
//	std::unordered_map<string, ClientState> clients_;   // no lock of its own
//	auto& state = clients_[client_id];                  // inserts if absent
//	std::lock_guard lock(state.mutex);                  // this client only
//
// and its flush walks the same map locking one client at a time. The map
// itself is guarded by nothing: in C++ a concurrent insert is undefined
// behaviour (a corrupted table, a crash some time later); in Go the
// runtime detects it and aborts the whole process with "fatal error:
// concurrent map writes" (or "concurrent map read and map write"), which
// recover cannot catch. That is the point of this variant: under
// concurrent requests from new clients the server crashes, and the lab
// measures after how many requests (TestNaiveCrashes shows it in a child
// process). Do not serve anything with it.
//
// The seed says this design deadlocks (request holds client1 and wants
// client2, flush holds client2 and wants client1). As written it cannot:
// allow_request holds exactly one client's mutex and never takes another,
// and the flush's lock_guard is released at the end of each iteration, so
// no goroutine ever holds two of these locks. go-deadlock's lock-order
// detector, swapped in for sync.Mutex by the build tag deadlock
// (naive_deadlock.go), finds no inversion in Do and Evict run together
// (TestNaiveDesignHasNoLockOrderInversion); it does find the two-lock flush
// the seed describes, with both stacks (TestNaiveTwoLockFlushDeadlock):
//
//	go test -tags deadlock -count=1 -run Naive ./variants/lock   (make test-deadlock)
//
// The entry mutex is naiveMutex: sync.Mutex, or deadlock.Mutex under the
// tag. PerClient is this design made correct (an RWMutex around the map,
// eviction marks).
type Naive[S any] struct {
	max int
	m   map[string]*naiveEntry[S] // unguarded, as in the seed
}

type naiveEntry[S any] struct {
	mu naiveMutex // the seed's ClientState::mutex
	s  S          // guarded by mu
}

// NewNaive returns the seed's unguarded per-client mutex map.
func NewNaive[S any](cfg Config) Table[S] {
	return &Naive[S]{max: cfg.max(), m: make(map[string]*naiveEntry[S])}
}

// Do is allow_request: clients_[client] (inserting, unguarded), then that
// client's lock only.
func (n *Naive[S]) Do(client string, fn func(s *S)) bool {
	e := n.m[client]
	if e == nil {
		if len(n.m) >= n.max {
			return false
		}
		e = new(naiveEntry[S])
		n.m[client] = e // unguarded insert: concurrent ones abort the process
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(&e.s)
	return true
}

// Evict is the seed's flush_metrics loop: iterate the unguarded map,
// locking one client at a time, and erase the idle ones.
func (n *Naive[S]) Evict(idle func(s *S) bool) int {
	removed := 0
	for client, e := range n.m {
		if n.evictOne(e, idle) {
			delete(n.m, client)
			removed++
		}
	}
	return removed
}

func (n *Naive[S]) evictOne(e *naiveEntry[S], idle func(s *S) bool) bool {
	e.mu.Lock() // the flush's lock_guard: released before the next client
	defer e.mu.Unlock()
	return idle(&e.s)
}

// Len returns len of the unguarded map (itself a racy read).
func (n *Naive[S]) Len() int { return len(n.m) }

// SeedVariants lists the seed's own designs, chosen by spec only.
// The conformance suite does not loop over them: Naive aborts the process
// under concurrent inserts, by design; naive_test.go shows it.
func SeedVariants[S any]() []struct {
	Name string
	New  func(Config) Table[S]
} {
	return []struct {
		Name string
		New  func(Config) Table[S]
	}{
		{"naive", NewNaive[S]},
	}
}

var _ Table[int] = (*Naive[int])(nil)

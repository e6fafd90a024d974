// Package metrics records per-client request events (admitted or rejected by
// the rate limiter) and flushes them into per-client totals. Its variants are
// Mutex and the seed's chapter 10 LockFree ring buffer.
package metrics

// Recorder records events on the request path and aggregates them on flush.
//
// Contract, the same for every variant (the conformance suite checks it):
//   - Record is called by many goroutines at once, several of them for the
//     same client (keep-alive and pipelining mean one client can have many
//     requests in flight): the seed's single-producer ring buffer does not
//     hold in Go, and variants must be correct for many producers.
//   - Flush moves everything recorded so far into the totals and returns a
//     snapshot. Flush may run concurrently with Record; calls to Flush are
//     serialised by the Recorder itself.
//   - Accounting is exact: after a Flush with no Record in flight,
//     Recorded == Flushed + Dropped, and the per-client totals sum to Flushed.
//     A variant that cannot keep an event (a full ring) counts it as Dropped;
//     it never loses an event silently.
//   - Memory is bounded: at most MaxClients clients are tracked by name;
//     events of further clients are counted under the client OverflowClient.
//     Clients are never forgotten, so once MaxClients distinct clients have
//     been seen every new client is counted under OverflowClient.
//   - Every snapshot, even one taken while Record runs, is consistent with
//     itself: the per-client totals sum to Flushed, Recorded >= Flushed +
//     Dropped, and Recorded, Flushed, Dropped and each client's totals never
//     decrease from one Flush to the next (totals are cumulative).
//   - Snapshot.Clients lists exactly the clients whose totals are non-zero;
//     it is a fresh map that the caller owns.
type Recorder interface {
	Record(client string, admitted bool)
	Flush() Snapshot
}

// OverflowClient collects the events of clients beyond Config.MaxClients.
const OverflowClient = "(other)"

// Totals are one client's flushed counts.
type Totals struct {
	Admitted uint64 `json:"admitted"`
	Rejected uint64 `json:"rejected"`
}

// Snapshot is the result of a Flush.
type Snapshot struct {
	Clients  map[string]Totals `json:"clients"`
	Recorded uint64            `json:"recorded"`
	Flushed  uint64            `json:"flushed"`
	Dropped  uint64            `json:"dropped"`
}

// Config configures any variant. Zero values take the defaults.
type Config struct {
	MaxClients int // clients tracked by name (default 10000)
	// RingSize is LockFree's events per client ring, a power of two
	// (default 256; other values are rounded up to a power of two, minimum 2).
	// A ring must hold one client's peak events per flush interval, or the
	// excess is Dropped.
	RingSize int
}

// Defaults for a zero Config.
const (
	DefaultMaxClients = 10000
	DefaultRingSize   = 256
)

func (c Config) maxClients() int {
	if c.MaxClients <= 0 {
		return DefaultMaxClients
	}
	return c.MaxClients
}

// Variants lists every implementation, in the order of the seed's journey.
// The conformance suite and the benchmarks loop over it; the server's wiring
// picks one by name.
var Variants = []struct {
	Name string
	New  func(Config) Recorder
}{
	{"mutex", NewMutex},
	{"lockfree", NewLockFree},
}

var (
	_ Recorder = (*Mutex)(nil)
	_ Recorder = (*LockFree)(nil)
)

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

// Config configures any variant.
type Config struct {
	MaxClients int // clients tracked by name (default 10000)
	RingSize   int // LockFree: events per client ring, a power of two (default 256)
}

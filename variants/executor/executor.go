// Package executor decides which goroutine serves a connection's requests.
// Its variants are the seed's chapter 11: Spawn (a goroutine per accepted
// connection) and Pool (at most Workers requests served at once, a bounded
// queue of more, 503 beyond it).
package executor

import "context"

// Conn is an accepted connection as the server exposes it to an executor.
// The server implements it; an executor only decides who calls what, when.
type Conn interface {
	// WaitRequest blocks until the next request has arrived whole, head
	// and body (true), or the connection is idle past its deadline, closed
	// by the peer, past its header or body deadline, refused before its
	// body (a refused "Expect: 100-continue"), or the server is shutting
	// down (false). It costs no worker: an idle keep-alive connection waits
	// here, and so does a slow client still sending its header or its body,
	// or one that asked for 100 Continue and sends nothing (the server reads
	// the whole request here, under its deadlines and its shared body
	// budget, and answers framing errors and early refusals itself).
	WaitRequest() bool
	// ServeRequest answers the request WaitRequest read; it never waits on
	// the client, only on the server's own work (parse, limit, write). It
	// returns false when the connection must be closed afterwards.
	ServeRequest() bool
	// Reject answers 503 Service Unavailable with Retry-After to the
	// request that is waiting; the connection is then closed.
	Reject()
	// Close closes the connection. Called exactly once, by the executor.
	Close()
}

// Executor runs connections.
//
// Contract, the same for every variant (the conformance suite checks it):
//   - Execute takes ownership of c and returns at once. The executor calls
//     c.WaitRequest / c.ServeRequest until either returns false, answering
//     c.Reject() instead when it has no capacity, then calls c.Close().
//   - An idle connection (inside WaitRequest) must not occupy a worker: with
//     clients outnumbering workers ten to one, every client still gets
//     served (the keep-alive trap of a pool that owns connections). The
//     same holds for a connection still sending its request: WaitRequest
//     reads all of it, so a worker never waits on the network.
//   - Shutdown stops taking new connections (Execute then closes them), waits
//     for every started ServeRequest to finish, and returns ctx.Err() if ctx
//     ends first. Connections waiting in WaitRequest are woken by the server
//     (it closes them), not by the executor.
type Executor interface {
	Execute(c Conn)
	Shutdown(ctx context.Context) error
	Stats() Stats
}

// Stats is a point-in-time view for GET /metrics.
type Stats struct {
	Workers  int    `json:"workers"`   // 0 for Spawn
	Queue    int    `json:"queue"`     // requests waiting for a worker
	QueueCap int    `json:"queue_cap"` // 0 for Spawn
	Active   int    `json:"active"`    // requests being served
	Rejected uint64 `json:"rejected"`  // requests answered 503
	Conns    int    `json:"conns"`     // connections owned
}

// Config configures any variant.
type Config struct {
	Workers  int // Pool: requests served at once, its worker tokens (default 2×GOMAXPROCS, at least 4)
	QueueLen int // Pool: requests waiting for a worker (default 1024)
	// MaxThreads caps Thread's OS threads, one per connection (0 or more
	// than ThreadCeiling(): ThreadCeiling()); the others ignore it.
	MaxThreads int
}

// Variants lists every variant in journey order, for the conformance suite,
// the benchmarks and the server's wiring.
var Variants = []struct {
	Name string
	New  func(Config) Executor
}{
	{"spawn", NewSpawn},
	{"pool", NewPool},
}

var (
	_ Executor = (*Spawn)(nil)
	_ Executor = (*Pool)(nil)
	_ Executor = (*PoolHandoff)(nil)
)

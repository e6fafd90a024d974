package executor

import (
	"context"
	"sync/atomic"
)

// Spawn is the seed's thread-per-connection, in Go a goroutine per
// connection: it waits for and serves that connection's requests, one after
// another, then closes it.
//
// Pick it by default in Go: a parked goroutine costs a few KiB and the
// netpoller, not a thread, waits for idle connections, so the seed's reason
// to pool (thread creation and memory) mostly disappears. It costs
// admission control: nothing bounds how many requests are served at once, so
// overload shows as growing latency and memory, not as 503s (the server caps
// connections instead).
//
// A request that arrives after Shutdown began is answered with Reject (503,
// Retry-After) rather than served: Shutdown has to stop somewhere, and a 503
// tells the client its data was not taken.
type Spawn struct {
	gate     *gate // admits ServeRequest calls; closed by Shutdown
	active   atomic.Int64
	conns    atomic.Int64
	rejected atomic.Uint64
}

// NewSpawn returns a Spawn executor; it ignores cfg.
func NewSpawn(Config) Executor { return &Spawn{gate: newGate()} }

// Execute starts the connection's goroutine, or closes c if Shutdown was
// called.
func (s *Spawn) Execute(c Conn) {
	if s.gate.closed() {
		c.Close()
		return
	}
	s.conns.Add(1)
	go s.serve(c)
}

func (s *Spawn) serve(c Conn) {
	defer func() {
		s.conns.Add(-1)
		c.Close()
	}()
	for c.WaitRequest() {
		if !s.gate.enter() {
			s.rejected.Add(1)
			c.Reject()
			return
		}
		s.active.Add(1)
		keep := c.ServeRequest()
		s.active.Add(-1)
		s.gate.leave()
		if !keep {
			return
		}
	}
}

// Shutdown stops admitting requests and waits for those being served.
func (s *Spawn) Shutdown(ctx context.Context) error {
	select {
	case <-s.gate.close():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats reports active requests, rejections and connections owned.
func (s *Spawn) Stats() Stats {
	return Stats{
		Active:   int(s.active.Load()),
		Rejected: s.rejected.Load(),
		Conns:    int(s.conns.Load()),
	}
}

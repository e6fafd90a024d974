package executor

import (
	"sync"
	"sync/atomic"
)

// gate admits requests until it is closed and reports when every admitted
// request has left. It is Shutdown's "stop taking, wait for in-flight" in one
// word, without a mutex on the request path: a sync.WaitGroup alone would
// race an Add after Shutdown's Wait began.
type gate struct {
	// state holds closedBit once close was called, and in its low bits the
	// number of requests admitted and not yet left.
	state   atomic.Int64
	once    sync.Once
	drained chan struct{} // closed once the gate is closed and empty
}

const closedBit = 1 << 62

func newGate() *gate { return &gate{drained: make(chan struct{})} }

// enter admits one request, or returns false if the gate is closed.
func (g *gate) enter() bool {
	for {
		s := g.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if g.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// leave ends a request admitted by enter.
func (g *gate) leave() {
	if g.state.Add(-1) == closedBit {
		g.once.Do(func() { close(g.drained) })
	}
}

// close stops admitting and returns a channel closed once every admitted
// request has left. Calling it again is harmless.
func (g *gate) close() <-chan struct{} {
	if old := g.state.Or(closedBit); old&^closedBit == 0 {
		g.once.Do(func() { close(g.drained) })
	}
	return g.drained
}

func (g *gate) closed() bool { return g.state.Load()&closedBit != 0 }

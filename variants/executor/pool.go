package executor

import (
	"context"
	"runtime"
	"sync/atomic"
)

// Pool is the seed's chapter 11: at most Workers requests are served at
// once, at most QueueLen more wait for their turn, and a request that finds
// the queue full is answered 503 (Reject) instead of waiting.
//
// A job is one request, not one connection. The seed's pool took a whole
// connection per task (handle_request(client_socket)): with keep-alive, a
// connection waiting for its next request pins a worker, and as many idle
// clients as workers stop the server for everyone else. Here every
// connection has its own goroutine that blocks in WaitRequest, where the
// whole request (head and body) is read, so nothing bounded is held while
// a client is idle or slow; a worker never waits on a client.
//
// The workers are tokens, not goroutines: a request takes one of Workers
// tokens (a buffered channel used as a semaphore) and is served on the
// connection's goroutine that read it, then gives the token back. With a
// token free that is one non-blocking channel send and one receive, no
// goroutine switch. With none free the request joins the queue: it blocks
// on the send, FIFO (a blocked sender is handed the token a finishing
// request releases, so a newcomer cannot overtake it), unless QueueLen
// requests already wait, and then it is answered 503.
//
// Why not worker goroutines (PoolHandoff, this executor before it served on
// the connection's goroutine):
// handing each request to a worker and its result back costs two goroutine
// switches per request on the hot path (the waiter parks, the worker wakes,
// then the reverse): +31% CPU per keep-alive request in the server's
// BenchmarkPeers, which runs both. A C++ pool needs its threads because a thread is the only
// thing that can run a request; in Go the connection's goroutine already
// can, and the scarce resource to bound is requests being served at once,
// which a semaphore bounds exactly as a fixed set of workers does: the
// same admission control, the same 503s under overload, the same bounded
// queue. What it costs: the stack a request grows (parser, writer) belongs
// to the connection's goroutine, so an idle connection may hold a larger
// stack until the garbage collector shrinks it.
//
// Pick it for admission control: under overload it answers 503 early and
// keeps the latency of what it accepts bounded. It costs two uncontended
// channel operations per request over Spawn, and head-of-line waiting when
// every token is taken.
type Pool struct {
	workers int
	queue   int64
	tokens  chan struct{} // Workers slots: a request holds one while served
	gate    *gate         // admits requests; closed by Shutdown

	waiting  atomic.Int64 // requests queued for a token
	active   atomic.Int64
	conns    atomic.Int64
	rejected atomic.Uint64
}

// NewPool returns a Pool serving cfg.Workers requests at once (default
// max(4, 2×GOMAXPROCS)) with cfg.QueueLen more waiting (default 1024).
func NewPool(cfg Config) Executor {
	workers := cfg.Workers
	if workers <= 0 {
		workers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	queue := cfg.QueueLen
	if queue <= 0 {
		queue = 1024
	}
	return &Pool{workers: workers, queue: int64(queue), tokens: make(chan struct{}, workers), gate: newGate()}
}

// Execute starts the connection's goroutine, or closes c if Shutdown was
// called.
func (p *Pool) Execute(c Conn) {
	if p.gate.closed() {
		c.Close()
		return
	}
	p.conns.Add(1)
	go p.serve(c)
}

// serve is a connection's goroutine: parked in WaitRequest while the
// connection is idle, it serves each request once it holds a token.
func (p *Pool) serve(c Conn) {
	defer func() {
		p.conns.Add(-1)
		c.Close()
	}()
	for c.WaitRequest() {
		if !p.gate.enter() {
			p.reject(c) // shutting down
			return
		}
		if !p.acquire() {
			p.gate.leave()
			p.reject(c) // every token taken and the queue full
			return
		}
		p.active.Add(1)
		keep := c.ServeRequest()
		p.active.Add(-1)
		<-p.tokens
		p.gate.leave()
		if !keep {
			return
		}
	}
}

// acquire takes a token, waiting in the queue if none is free; false when
// the queue is full.
func (p *Pool) acquire() bool {
	select {
	case p.tokens <- struct{}{}:
		return true
	default:
	}
	if p.waiting.Add(1) > p.queue {
		p.waiting.Add(-1)
		return false
	}
	p.tokens <- struct{}{}
	p.waiting.Add(-1)
	return true
}

func (p *Pool) reject(c Conn) {
	p.rejected.Add(1)
	c.Reject()
}

// Shutdown stops admitting requests and waits for those admitted, queued
// ones included, to be served. If ctx ends first it returns ctx.Err(); a
// later Shutdown can wait again.
func (p *Pool) Shutdown(ctx context.Context) error {
	select {
	case <-p.gate.close():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats reports the pool's size, queue and counters.
func (p *Pool) Stats() Stats {
	return Stats{
		Workers:  p.workers,
		Queue:    int(p.waiting.Load()),
		QueueCap: int(p.queue),
		Active:   int(p.active.Load()),
		Rejected: p.rejected.Load(),
		Conns:    int(p.conns.Load()),
	}
}

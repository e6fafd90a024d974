package executor

import (
	"context"
	"net"
	"runtime"
	"sync/atomic"
)

// Thread is the seed's thread per connection, std::thread(handle,
// fd).detach(), built as a seed design, chosen by spec only
// (executor=thread), never in a preset. Each accepted connection gets a
// goroutine that locks itself to its own OS thread (runtime.LockOSThread,
// never unlocked, so the thread exits with the connection as a detached
// std::thread does) and, when the Conn lets it (SocketConn, as the
// server's does), switches the socket to blocking mode and reads and writes
// it with blocking system calls (BlockingConn): the kernel, not Go's
// netpoller, schedules the connection, and an idle keep-alive connection
// costs a whole OS thread parked in recv(2).
//
// What the seed lacks, and this adds so it fails measurably instead of
// fatally: Go aborts the process ("thread exhaustion") once it has more
// than debug.SetMaxThreads threads (10000), and clone(2) fails past
// RLIMIT_NPROC or kernel.threads-max. Thread keeps a cap (Config.MaxThreads,
// the server's -max-threads; default and ceiling ThreadCeiling(), below
// all three) and answers a connection beyond it 503 (Reject, after reading
// its request head on an ordinary goroutine) instead of crashing. Stats
// reports the connections holding threads as Workers; ThreadStats adds the
// cap, the peak and the process's OS thread count and resident memory from
// /proc/self/status.
//
// Deadlines: net.Conn deadlines belong to the netpoller and do nothing to
// a blocking read, so BlockingConn sets SO_RCVTIMEO / SO_SNDTIMEO to the
// time left before each call, and a deadline set in the past (Shutdown
// waking idle connections) shuts the socket's read side down, the only way
// to wake a thread blocked in recv(2).
//
// Not done: the server's half-close-and-drain before closing a connection
// it answered early (413, framing errors) looks for a *net.TCPConn, so on a
// BlockingConn it closes at once and a client still sending may see a
// reset instead of the answer; over-cap 503s are written before the switch
// and do linger.
type Thread struct {
	gate     *gate
	cap      int64
	threads  atomic.Int64 // connections holding a locked OS thread
	peak     atomic.Int64
	active   atomic.Int64
	conns    atomic.Int64
	rejected atomic.Uint64
	overCap  atomic.Uint64
	blocking atomic.Uint64 // connections switched to blocking socket I/O
}

// SocketConn is implemented by a Conn whose socket an executor may take
// over: Thread replaces it with a BlockingConn before the first
// WaitRequest. The server's connections implement it.
type SocketConn interface {
	NetConn() net.Conn
	SetNetConn(net.Conn)
}

// ThreadStats is Thread's own view for /health.
type ThreadStats struct {
	Threads   int    `json:"threads"`    // connections holding an OS thread now
	ThreadCap int    `json:"thread_cap"` // most at once (-max-threads)
	Peak      int    `json:"peak"`       // most ever at once
	OverCap   uint64 `json:"over_cap"`   // connections answered 503 at the cap
	Blocking  uint64 `json:"blocking"`   // connections served with blocking socket I/O
}

// NewThread returns a Thread executor; cfg.MaxThreads caps the threads
// (0, or more than ThreadCeiling(): ThreadCeiling()).
func NewThread(cfg Config) Executor {
	ceil := ThreadCeiling()
	n := cfg.MaxThreads
	if n <= 0 || n > ceil {
		n = ceil
	}
	return &Thread{gate: newGate(), cap: int64(n)}
}

// Execute starts the connection's thread, or rejects it over the cap.
func (t *Thread) Execute(c Conn) {
	if t.gate.closed() {
		c.Close()
		return
	}
	t.conns.Add(1)
	if !t.acquire() {
		t.overCap.Add(1)
		go t.reject(c)
		return
	}
	go t.serve(c)
}

// acquire takes a thread slot if fewer than cap are held.
func (t *Thread) acquire() bool {
	for {
		n := t.threads.Load()
		if n >= t.cap {
			return false
		}
		if t.threads.CompareAndSwap(n, n+1) {
			if n+1 > t.peak.Load() {
				t.peak.Store(n + 1) // racy max, good enough for a peak gauge
			}
			return true
		}
	}
}

// reject answers a connection over the cap: it reads the request head on
// this ordinary goroutine (the netpoller waits, no thread is held), answers
// 503 and closes.
func (t *Thread) reject(c Conn) {
	defer func() {
		t.conns.Add(-1)
		c.Close()
	}()
	if c.WaitRequest() {
		t.rejected.Add(1)
		c.Reject()
	}
}

func (t *Thread) serve(c Conn) {
	// Never unlocked: when this goroutine returns, the runtime ends the
	// thread, as a detached std::thread ends with its function.
	runtime.LockOSThread()
	defer func() {
		t.conns.Add(-1)
		c.Close()
		t.threads.Add(-1)
	}()
	if sc, ok := c.(SocketConn); ok {
		if tc, ok := sc.NetConn().(*net.TCPConn); ok {
			bc, err := NewBlockingConn(tc)
			if err != nil {
				return // the socket cannot be made blocking: nothing was read yet
			}
			sc.SetNetConn(bc)
			t.blocking.Add(1)
		}
	}
	for c.WaitRequest() {
		if !t.gate.enter() {
			t.rejected.Add(1)
			c.Reject()
			return
		}
		t.active.Add(1)
		keep := c.ServeRequest()
		t.active.Add(-1)
		t.gate.leave()
		if !keep {
			return
		}
	}
}

// Shutdown stops admitting requests and waits for those being served;
// connections idle in WaitRequest are woken by the server.
func (t *Thread) Shutdown(ctx context.Context) error {
	select {
	case <-t.gate.close():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats reports the connections holding threads as Workers; ThreadStats
// has the cap and the peak.
func (t *Thread) Stats() Stats {
	return Stats{
		Workers:  int(t.threads.Load()),
		Active:   int(t.active.Load()),
		Rejected: t.rejected.Load(),
		Conns:    int(t.conns.Load()),
	}
}

// ThreadStats reports the thread cap and use.
func (t *Thread) ThreadStats() ThreadStats {
	return ThreadStats{
		Threads:   int(t.threads.Load()),
		ThreadCap: int(t.cap),
		Peak:      int(t.peak.Load()),
		OverCap:   t.overCap.Load(),
		Blocking:  t.blocking.Load(),
	}
}

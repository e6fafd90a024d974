package executor

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hangTimeout bounds waits that only detect a hang; it is never a speed
// assertion.
const hangTimeout = 10 * time.Second

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(hangTimeout):
		t.Fatalf("hang: %s did not happen within %v", what, hangTimeout)
	}
}

// fakeConn is a scripted connection: n requests, then the peer closes. It
// records every call so the test can check the executor's protocol.
type fakeConn struct {
	n          int                   // requests the peer sends
	closeAfter int                   // if > 0, ServeRequest of request closeAfter-1 returns false
	waitBlock  map[int]chan struct{} // WaitRequest for request i blocks until closed
	serveBlock map[int]chan struct{} // ServeRequest of request i blocks until closed
	serving    chan<- int            // if set, told the index of each request ServeRequest starts
	served     chan<- int            // if set, told the index of each request ServeRequest ends
	closed     chan struct{}         // closed by Close

	mu      sync.Mutex
	log     []string // "W", "S0", "R", "C", ... in call order
	next    int      // next request index
	pending bool     // WaitRequest returned true and the request is not yet served
	errs    []string // protocol violations
}

func newFakeConn(n int) *fakeConn {
	return &fakeConn{n: n, closed: make(chan struct{})}
}

func (c *fakeConn) record(ev string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, ev)
}

func (c *fakeConn) violation(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *fakeConn) WaitRequest() bool {
	c.mu.Lock()
	i, pending := c.next, c.pending
	c.mu.Unlock()
	if pending {
		c.violation("WaitRequest with request %d unserved", i)
	}
	if ch := c.waitBlock[i]; ch != nil {
		<-ch
	}
	c.record("W")
	if i >= c.n {
		return false
	}
	c.mu.Lock()
	c.pending = true
	c.mu.Unlock()
	return true
}

func (c *fakeConn) ServeRequest() bool {
	c.mu.Lock()
	i, pending := c.next, c.pending
	c.mu.Unlock()
	if !pending {
		c.violation("ServeRequest without a request")
	}
	c.record(fmt.Sprint("S", i))
	if c.serving != nil {
		c.serving <- i
	}
	if ch := c.serveBlock[i]; ch != nil {
		<-ch
	}
	c.mu.Lock()
	c.next, c.pending = i+1, false
	c.mu.Unlock()
	if c.served != nil {
		c.served <- i
	}
	return c.closeAfter == 0 || i+1 < c.closeAfter
}

func (c *fakeConn) Reject() {
	c.mu.Lock()
	pending := c.pending
	c.mu.Unlock()
	if !pending {
		c.violation("Reject without a request")
	}
	c.record("R")
}

func (c *fakeConn) Close() {
	c.record("C")
	select {
	case <-c.closed:
		c.violation("Close called twice")
	default:
		close(c.closed)
	}
}

// events returns the call log and fails t on protocol violations.
func (c *fakeConn) events(t *testing.T) []string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		t.Error(e)
	}
	return slices.Clone(c.log)
}

// servedLog is the log of a connection whose n requests were all served and
// whose peer then closed.
func servedLog(n int) []string {
	var log []string
	for i := range n {
		log = append(log, "W", fmt.Sprint("S", i))
	}
	return append(log, "W", "C")
}

func forEachVariant(t *testing.T, test func(t *testing.T, name string, newExec func(Config) Executor)) {
	// thread, a seed design, keeps the contract; so does PoolHandoff, the
	// pool design Pool replaced, kept as its benchmarks' baseline
	for _, v := range slices.Concat(Variants, SeedVariants, poolHandoff) {
		t.Run("variant="+v.Name, func(t *testing.T) { test(t, v.Name, v.New) })
	}
}

var poolHandoff = []struct {
	Name string
	New  func(Config) Executor
}{{"pool-handoff", NewPoolHandoff}}

// forEachPool runs test on Pool and on PoolHandoff.
func forEachPool(t *testing.T, test func(t *testing.T, newPool func(Config) Executor)) {
	for _, v := range []struct {
		name string
		new  func(Config) Executor
	}{{"pool", NewPool}, {"pool-handoff", NewPoolHandoff}} {
		t.Run("variant="+v.name, func(t *testing.T) { test(t, v.new) })
	}
}

func shutdown(t *testing.T, ex Executor) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	require.NoError(t, ex.Shutdown(ctx), "Shutdown")
}

func TestServesEveryRequestInOrder(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newExec func(Config) Executor) {
		ex := newExec(Config{Workers: 4, QueueLen: 64})
		var conns []*fakeConn
		for i := range 50 {
			c := newFakeConn(i % 6)
			conns = append(conns, c)
			ex.Execute(c)
		}
		// One that asks to be closed after its second request.
		early := newFakeConn(5)
		early.closeAfter = 2
		ex.Execute(early)

		for i, c := range conns {
			waitFor(t, c.closed, fmt.Sprintf("conn %d closed", i))
			if got, want := c.events(t), servedLog(i%6); !slices.Equal(got, want) {
				t.Errorf("conn %d: calls %v, want %v", i, got, want)
			}
		}
		waitFor(t, early.closed, "early conn closed")
		if got, want := early.events(t), []string{"W", "S0", "W", "S1", "C"}; !slices.Equal(got, want) {
			t.Errorf("conn closing after 2: calls %v, want %v", got, want)
		}
		st := ex.Stats()
		if st.Conns != 0 || st.Active != 0 || st.Rejected != 0 {
			t.Errorf("Stats after all closed = %+v, want no conns, active or rejected", st)
		}
		shutdown(t, ex)
	})
}

func TestShutdownWaitsForServeRequest(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newExec func(Config) Executor) {
		ex := newExec(Config{})
		release := make(chan struct{})
		serving := make(chan int, 1)
		c := newFakeConn(2)
		c.serveBlock = map[int]chan struct{}{0: release}
		c.serving = serving
		ex.Execute(c)
		select {
		case <-serving:
		case <-time.After(hangTimeout):
			t.Fatal("hang: request not served")
		}
		if st := ex.Stats(); st.Active != 1 || st.Conns != 1 {
			t.Errorf("Stats while serving = %+v, want Active 1, Conns 1", st)
		}

		// A cancelled ctx ends the wait with its error.
		ctx, cancel := context.WithCancel(context.Background())
		cancelled := make(chan error)
		go func() { cancelled <- ex.Shutdown(ctx) }()
		cancel()
		select {
		case err := <-cancelled:
			assert.Same(t, context.Canceled, err, "Shutdown with cancelled ctx")
		case <-time.After(hangTimeout):
			t.Fatal("hang: Shutdown ignored its ctx")
		}

		// A patient Shutdown returns only after ServeRequest did.
		done := make(chan error)
		go func() { done <- ex.Shutdown(context.Background()) }()
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned (%v) while ServeRequest was blocked", err)
		default:
		}
		close(release)
		select {
		case err := <-done:
			assert.NoError(t, err, "Shutdown =")
		case <-time.After(hangTimeout):
			t.Fatal("hang: Shutdown did not return after the request finished")
		}
		c.mu.Lock()
		finished := c.next == 1
		c.mu.Unlock()
		assert.True(t, finished, "Shutdown returned before ServeRequest finished")
		// The second request arrives after Shutdown: answered 503.
		waitFor(t, c.closed, "conn closed")
		if got, want := c.events(t), []string{"W", "S0", "W", "R", "C"}; !slices.Equal(got, want) {
			t.Errorf("calls %v, want %v", got, want)
		}
		if st := ex.Stats(); st.Rejected != 1 {
			t.Errorf("Rejected = %d, want 1", st.Rejected)
		}
	})
}

func TestExecuteAfterShutdown(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newExec func(Config) Executor) {
		ex := newExec(Config{})
		shutdown(t, ex)
		c := newFakeConn(3)
		ex.Execute(c)
		waitFor(t, c.closed, "conn closed")
		if got := c.events(t); !slices.Equal(got, []string{"C"}) {
			t.Errorf("calls %v, want only Close", got)
		}
		shutdown(t, ex) // again: harmless
	})
}

// TestIdleConnsHoldNoWorker is the keep-alive trap: 40 connections each
// send a request, then stay idle in WaitRequest until the test releases
// them, then send another. With 4 workers, every first request must be
// served while the others' connections sit idle. A pool whose jobs were
// connections would serve 4 and hang here.
func TestIdleConnsHoldNoWorker(t *testing.T) {
	forEachVariant(t, func(t *testing.T, _ string, newExec func(Config) Executor) {
		ex := newExec(Config{Workers: 4, QueueLen: 64})
		const conns = 40
		idle := make(chan struct{})
		defer func() {
			select {
			case <-idle:
			default:
				close(idle) // on failure: let the goroutines finish
			}
		}()
		served := make(chan int, 2*conns)
		var cs []*fakeConn
		for range conns {
			c := newFakeConn(2)
			c.waitBlock = map[int]chan struct{}{1: idle}
			c.served = served
			cs = append(cs, c)
			ex.Execute(c)
		}
		timeout := time.After(hangTimeout)
		for i := range conns {
			select {
			case <-served:
			case <-timeout:
				t.Fatalf("hang: %d of %d first requests served; idle connections hold workers", i, conns)
			}
		}
		// A request counts as active until ServeRequest has returned, a
		// moment after the fake reported it served: wait for that.
		deadline := time.Now().Add(hangTimeout)
		st := ex.Stats()
		for st.Active != 0 && time.Now().Before(deadline) {
			runtime.Gosched()
			st = ex.Stats()
		}
		if st.Conns != conns || st.Active != 0 {
			t.Errorf("Stats with all idle = %+v, want Conns %d, Active 0", st, conns)
		}
		close(idle)
		for i, c := range cs {
			waitFor(t, c.closed, fmt.Sprintf("conn %d closed", i))
			if got, want := c.events(t), servedLog(2); !slices.Equal(got, want) {
				t.Errorf("conn %d: calls %v, want %v", i, got, want)
			}
		}
		shutdown(t, ex)
	})
}

// TestPoolRejectsWhenFull: with 2 workers blocked and a queue of 1, of the
// next two requests one is queued and the other answered 503.
func TestPoolRejectsWhenFull(t *testing.T) {
	forEachPool(t, func(t *testing.T, newPool func(Config) Executor) {
		ex := newPool(Config{Workers: 2, QueueLen: 1})
		release := make(chan struct{})
		serving := make(chan int, 4)
		newBlocked := func() *fakeConn {
			c := newFakeConn(1)
			c.serveBlock = map[int]chan struct{}{0: release}
			c.serving = serving
			return c
		}
		started := func(what string) {
			t.Helper()
			select {
			case <-serving:
			case <-time.After(hangTimeout):
				t.Fatalf("hang: %s not served", what)
			}
		}
		a, b := newBlocked(), newBlocked()
		ex.Execute(a)
		started("first request")
		ex.Execute(b)
		started("second request")
		if st := ex.Stats(); st.Active != 2 || st.Workers != 2 || st.QueueCap != 1 {
			t.Fatalf("Stats with both workers busy = %+v", st)
		}

		// Both workers are blocked. c and d race for the one queue slot.
		c, d := newBlocked(), newBlocked()
		ex.Execute(c)
		ex.Execute(d)
		var rejected, queued *fakeConn
		select {
		case <-c.closed:
			rejected, queued = c, d
		case <-d.closed:
			rejected, queued = d, c
		case <-time.After(hangTimeout):
			t.Fatal("hang: neither request rejected with the queue full")
		}
		if got, want := rejected.events(t), []string{"W", "R", "C"}; !slices.Equal(got, want) {
			t.Errorf("rejected conn: calls %v, want %v", got, want)
		}
		if st := ex.Stats(); st.Rejected != 1 || st.Queue != 1 || st.Active != 2 {
			t.Errorf("Stats = %+v, want Rejected 1, Queue 1, Active 2", st)
		}

		close(release)
		for _, c := range []*fakeConn{a, b, queued} {
			waitFor(t, c.closed, "conn closed")
			if got, want := c.events(t), servedLog(1); !slices.Equal(got, want) {
				t.Errorf("calls %v, want %v", got, want)
			}
		}
		if st := ex.Stats(); st.Rejected != 1 {
			t.Errorf("Rejected = %d, want exactly 1", st.Rejected)
		}
		shutdown(t, ex)
	})
}

// TestPoolShutdownRunsQueuedJobs: a job still in the queue when Shutdown
// starts is served before Shutdown returns.
func TestPoolShutdownRunsQueuedJobs(t *testing.T) {
	forEachPool(t, func(t *testing.T, newPool func(Config) Executor) {
		ex := newPool(Config{Workers: 1, QueueLen: 4})
		release := make(chan struct{})
		serving := make(chan int, 4)
		busy := newFakeConn(1)
		busy.serveBlock = map[int]chan struct{}{0: release}
		busy.serving = serving
		ex.Execute(busy)
		select {
		case <-serving:
		case <-time.After(hangTimeout):
			t.Fatal("hang: first request not served")
		}
		queued := newFakeConn(1)
		ex.Execute(queued)
		// Wait until its job is in the queue (the one worker is blocked, so it
		// stays there). Polling a condition, bounded only to detect a hang.
		deadline := time.Now().Add(hangTimeout)
		for ex.Stats().Queue != 1 {
			if time.Now().After(deadline) {
				t.Fatal("hang: request never queued")
			}
			runtime.Gosched()
		}

		done := make(chan error)
		go func() { done <- ex.Shutdown(context.Background()) }()
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned (%v) with a request blocked and one queued", err)
		default:
		}
		close(release)
		select {
		case err := <-done:
			require.NoError(t, err, "Shutdown =")
		case <-time.After(hangTimeout):
			t.Fatal("hang: Shutdown")
		}
		queued.mu.Lock()
		n := queued.next
		queued.mu.Unlock()
		assert.Equal(t, 1, n, "Shutdown returned before the queued request was served")
		waitFor(t, queued.closed, "queued conn closed")
		if got, want := queued.events(t), servedLog(1); !slices.Equal(got, want) {
			t.Errorf("queued conn: calls %v, want %v", got, want)
		}
	})
}

package writer

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var _ Writer = (*Async)(nil)

// Async is the seed's chapter 8: Append copies the batch into a bounded
// queue and one background goroutine writes whatever is queued as one
// group (one buffered write and flush, one fsync per policy). Requests stop
// paying for the write syscall; they pay for a copy and a channel send.
// Pick it when request latency matters more than the per-batch guarantee
// of Sync; it costs a copy of every batch and, under FsyncNever and
// FsyncInterval, a window of acknowledged-but-unwritten batches.
//
// The seed's C++ used a std::queue under a condition variable: unbounded,
// so a disk slower than the clients grows memory without limit (against
// RELIABILITY rule 6), and its writer loop tested writer_running_ while
// draining, so batches still queued at shutdown were dropped although the
// destructor claims to wait for them. Here the queue is a buffered channel
// of Config.QueueLen batches: when it is full Append returns ErrQueueFull
// at once (the server answers 503), and Close drains it completely.
//
// Acknowledgement and durability, by policy:
//   - FsyncNever, FsyncInterval: Append returns nil once the batch is
//     queued. SIGTERM loses nothing (Close drains, writes, fsyncs). kill -9
//     loses what was queued and not yet written: at most QueueLen batches
//     plus the group being written (itself at most QueueLen batches), and
//     may leave a torn last line, which Open cuts at the next start. A
//     power loss also loses the page cache:
//     with FsyncInterval, at most one FsyncInterval of acknowledged batches
//     besides the queue; with FsyncNever, whatever the kernel had not
//     written back.
//   - FsyncAlways: Append blocks until the group holding its batch has
//     been written and fsynced, and returns that group's error (group
//     commit: one fsync serves every batch queued meanwhile). kill -9 and
//     power loss lose nothing acknowledged.
//
// Write errors. Under FsyncAlways the failed group is cut back out of the
// file where possible (see appender) and each of its Appends gets the
// error; nothing was acknowledged, so nothing is lost. Under FsyncNever and
// FsyncInterval the failed group was already acknowledged: the writer
// keeps it, sets Stats.LastError and retries it with a backoff doubling
// from Config.RetryBackoff to 1s for as long as the writer is open; until
// a retry succeeds every new Append is refused with the wrapped write
// error, so clients get 503 instead of 2xx for data that could not be
// written, and the queue stops growing. When the sink recovers (disk space
// returns) the group and the queue behind it are written and Appends
// succeed again. If the sink is still failing at Close, each remaining
// group gets three more tries, then is dropped and counted in Stats.Lost,
// and Close returns the error: those batches were acknowledged and are not
// in the file. A process killed while retrying loses the group and the
// queue, as with any kill -9.
type Async struct {
	mu     sync.RWMutex // held shared by Append while it enqueues, exclusively by Close to set closed
	closed bool         // guarded by mu

	queue   chan *item
	failing atomic.Pointer[error] // the sink's error while a group is being retried (FsyncNever, FsyncInterval)
	pool    sync.Pool             // of *item

	policy   FsyncPolicy
	yield    bool // let the other runnable goroutines queue before a group is collected (!Config.Eager, not FsyncAlways)
	interval time.Duration
	backoff  time.Duration
	st       counters

	// Owned by the background goroutine.
	a       *appender
	group   []*item
	bufs    [][]byte
	lostErr error // the first group dropped; Close returns it

	stop     chan struct{} // closed by Close
	done     chan struct{} // closed when the background goroutine has returned
	closeErr error         // written by the background goroutine before done

	closeOnce sync.Once
}

// item is one queued batch.
type item struct {
	buf  []byte
	done chan error // FsyncAlways: receives the group's result; nil otherwise
}

// maxPooledBuf keeps an occasional huge batch from pinning its buffer in
// the pool.
const maxPooledBuf = 1 << 20

// closeAttempts bounds how often Close retries a failing group.
const closeAttempts = 3

// NewAsync returns an Async writing to c.Sink and starts its background
// writer; Close stops it.
func NewAsync(c Config) (Writer, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Async{
		queue:    make(chan *item, c.QueueLen),
		policy:   c.Fsync,
		yield:    !c.Eager && c.Fsync != FsyncAlways,
		interval: c.FsyncInterval,
		backoff:  c.RetryBackoff,
		a:        newAppender(c.Sink, c.BufferSize),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	always := c.Fsync == FsyncAlways
	w.pool.New = func() any {
		it := new(item)
		if always {
			it.done = make(chan error, 1)
		}
		return it
	}
	go w.run()
	return w, nil
}

// Append copies lines into the queue. See the type's doc for when it
// returns and what its nil means under each policy.
func (w *Async) Append(lines []byte) error {
	if err := checkBatch(lines); err != nil {
		return err
	}
	// Early out, racy but safe: a full queue costs no copy (clients that
	// retry at once would otherwise copy on every retry). After Close the
	// queue is empty, so ErrClosed still wins below.
	if len(w.queue) == cap(w.queue) && w.failing.Load() == nil {
		w.st.rejected.Add(1)
		return ErrQueueFull
	}
	it := w.pool.Get().(*item)
	it.buf = append(it.buf[:0], lines...)

	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.put(it)
		return ErrClosed
	}
	if p := w.failing.Load(); p != nil {
		w.mu.RUnlock()
		w.put(it)
		w.st.failed.Add(1)
		return fmt.Errorf("writer: sink failing, batch refused: %w", *p)
	}
	select {
	case w.queue <- it:
	default:
		w.mu.RUnlock()
		w.put(it)
		w.st.rejected.Add(1)
		return ErrQueueFull
	}
	w.mu.RUnlock()

	if it.done == nil {
		return nil // the background goroutine owns it now
	}
	err := <-it.done
	w.put(it)
	return err
}

func (w *Async) put(it *item) {
	if cap(it.buf) > maxPooledBuf {
		it.buf = nil
	}
	w.pool.Put(it)
}

// run is the background writer.
func (w *Async) run() {
	defer close(w.done)
	var tick <-chan time.Time
	if w.policy == FsyncInterval {
		t := time.NewTicker(w.interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case it := <-w.queue:
			if w.yield {
				// The send that woke this goroutine made it the next to
				// run on its P: without yielding, a busy server writes
				// one batch per write(2), one per request. Yielding lets
				// the request goroutines ready now run first and queue
				// theirs, so one write takes them all. Their Appends
				// were acknowledged already (not FsyncAlways), so no
				// request waits for this.
				runtime.Gosched()
			}
			w.commit(w.collect(it), false)
		case <-tick:
			if w.a.dirty {
				if err := w.a.sync(); err != nil {
					w.st.setErr(fmt.Errorf("writer: interval fsync: %w", err))
				} else {
					w.st.syncs.Add(1)
				}
			}
		case <-w.stop:
			w.closeErr = w.drain()
			return
		}
	}
}

// collect returns first and whatever else is queued now, at most one
// queue's worth.
func (w *Async) collect(first *item) []*item {
	g := append(w.group[:0], first)
	for len(g) < cap(w.queue) {
		select {
		case it := <-w.queue:
			g = append(g, it)
		default:
			w.group = g
			return g
		}
	}
	w.group = g
	return g
}

// commit writes group g, fsyncs per policy and settles its batches.
func (w *Async) commit(g []*item, closing bool) error {
	w.bufs = w.bufs[:0]
	n := 0
	for _, it := range g {
		w.bufs = append(w.bufs, it.buf)
		n += len(it.buf)
	}
	defer clear(w.bufs)
	if w.policy == FsyncAlways {
		return w.commitAlways(g, n)
	}

	backoff := w.backoff
	mine := false // the appender's torn write, if any, is this group's
	for attempt := 1; ; attempt++ {
		err := w.writeAcked(&mine)
		// Stats before the flag: whoever sees the flag change sees them.
		if err == nil {
			w.st.clearErr()
			w.failing.Store(nil)
			w.st.batches.Add(uint64(len(g)))
			w.st.bytes.Store(uint64(w.a.cw.n))
			w.release(g)
			return nil
		}
		werr := fmt.Errorf("writer: write: %w", err)
		w.st.setErr(werr)
		w.failing.Store(&err)
		w.st.bytes.Store(uint64(w.a.cw.n))
		closing = closing || isClosed(w.stop)
		if closing && attempt >= closeAttempts {
			w.st.lost.Add(uint64(len(g)))
			w.release(g)
			err := fmt.Errorf("writer: %d acknowledged batches lost: %w", len(g), werr)
			if w.lostErr == nil {
				w.lostErr = err
			}
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-w.stop:
			t.Stop()
			closing = true
		}
		backoff = min(2*backoff, maxRetryBackoff)
	}
}

// writeAcked makes one attempt at writing the acknowledged group in
// w.bufs. *mine tracks, across attempts, whether a torn write left in the
// sink belongs to this group: then completing it completes the group.
func (w *Async) writeAcked(mine *bool) error {
	if w.a.torn > 0 {
		completed, err := w.a.repair()
		if err != nil {
			return err
		}
		if completed && *mine {
			return nil
		}
	}
	*mine = false
	if err := w.a.write(w.bufs...); err != nil {
		*mine = w.a.torn > 0
		return err
	}
	return nil
}

// commitAlways writes and fsyncs g once and hands the result to each of
// its waiting Appends.
func (w *Async) commitAlways(g []*item, n int) error {
	err := w.a.write(w.bufs...)
	if err != nil {
		err = fmt.Errorf("writer: write: %w", err)
	} else if serr := w.a.sync(); serr != nil {
		w.a.rollback(int64(n))
		err = fmt.Errorf("writer: fsync: %w", serr)
	} else {
		w.st.syncs.Add(1)
	}
	if err != nil {
		w.st.failed.Add(uint64(len(g)))
		w.st.setErr(err)
	} else {
		w.st.batches.Add(uint64(len(g)))
		w.st.clearErr()
	}
	w.st.bytes.Store(uint64(w.a.cw.n))
	for _, it := range g {
		it.done <- err // the Append puts it back in the pool
	}
	return err
}

func (w *Async) release(g []*item) {
	for i, it := range g {
		w.put(it)
		g[i] = nil
	}
}

// drain runs once Close has set closed: no Append can enqueue any more.
func (w *Async) drain() error {
	first := w.lostErr // a group dropped before the stop was seen
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	for len(w.queue) > 0 {
		keep(w.commit(w.collect(<-w.queue), true))
	}
	if w.a.torn > 0 {
		_, err := w.a.repair()
		keep(err)
	}
	if w.policy != FsyncNever {
		if err := w.a.sync(); err != nil {
			keep(fmt.Errorf("writer: fsync: %w", err))
		} else {
			w.st.syncs.Add(1)
		}
	}
	if err := w.a.sink.Close(); err != nil {
		keep(fmt.Errorf("writer: close: %w", err))
	}
	w.st.bytes.Store(uint64(w.a.cw.n))
	if first != nil {
		w.st.setErr(first)
	}
	return first
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Close stops accepting batches (later Appends get ErrClosed), waits for
// the background writer to drain the queue, write, fsync unless FsyncNever
// and close the sink, and returns the first error. Later calls return the
// same result.
func (w *Async) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.stop)
		<-w.done
	})
	return w.closeErr
}

// Stats never blocks the writer.
func (w *Async) Stats() Stats {
	s := w.st.snapshot()
	s.QueueDepth = len(w.queue)
	s.QueueCap = cap(w.queue)
	return s
}

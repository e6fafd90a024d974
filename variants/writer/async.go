package writer

import (
	"context"
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
// promise 6 of docs/faults.md), and its writer loop tested writer_running_ while
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
// A failed write. Under FsyncAlways the failed group is cut back out of
// the file where possible (see appender) and each of its Appends gets the
// error; nothing was acknowledged, so nothing is lost. Under FsyncNever and
// FsyncInterval the failed group was already acknowledged: the writer
// holds it (Stats.Held, Stats.HeldBytes), cuts what the sink took back to
// its last whole line, and retries the rest with a backoff doubling from
// Config.RetryBackoff to MaxRetryBackoff for as long as the writer is
// open; until a retry succeeds every new Append is refused with the
// wrapped write error, so clients get 503 instead of 2xx for data that
// could not be written, and the queue stops growing. When the sink
// recovers (disk space returns) the group and the queue behind it are
// written within MaxRetryBackoff and Appends succeed again. Memory stays
// bounded: the held group is at most QueueLen batches, the queue behind it
// at most QueueLen more. If the sink still refuses at Close, the retries
// go on until Close's deadline (CloseContext's context: the server's
// shutdown timeout; Close: DefaultCloseWait); then each remaining group is
// tried once more, dropped, counted in Stats.Lost, and Close returns the
// error: those batches were acknowledged and are not in the file. A
// process killed while retrying loses the group and the queue, as with
// any kill -9.
//
// A failed fsync (durable.go): the writer keeps the bytes written since
// the last good fsync and rewrites them through a reopened descriptor.
// Under FsyncAlways a group's Appends are answered only after that
// rewrite's fsync succeeded; if it fails they get the error. Under
// FsyncInterval the batches since the last good fsync are held like a
// failed write's group: new Appends are refused, the rewrite is retried
// with the same backoff, and at Close's deadline whatever could not be
// made durable is counted in Stats.NotDurable and Close returns the error.
type Async struct {
	mu     sync.RWMutex // held shared by Append while it enqueues, exclusively by Close to set closed
	closed bool         // guarded by mu

	queue   chan *item
	failing atomic.Pointer[error] // the sink's error while acknowledged data is held for retry (FsyncNever, FsyncInterval)
	pool    sync.Pool             // of *item

	policy   FsyncPolicy
	yield    bool // let the other runnable goroutines queue before a group is collected (!Config.Eager, not FsyncAlways)
	interval time.Duration
	first    time.Duration // Config.RetryBackoff
	st       counters

	// Owned by the background goroutine.
	a       *appender
	group   []*item
	bufs    [][]byte
	lostErr error // the first group dropped; Close returns it

	stop     chan struct{}   // closed by Close
	deadline <-chan struct{} // Close's deadline; written before stop is closed
	done     chan struct{}   // closed when the background goroutine has returned
	closeErr error           // written by the background goroutine before done

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
		first:    c.RetryBackoff,
		a:        newAppender(c.Sink, c),
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
	// retry: the rewrite after a failed interval fsync, while nothing
	// queued tries it first.
	retry := backoff{first: w.first}
	var again *time.Timer
	for {
		var retryC <-chan time.Time
		if w.a.broken != nil {
			if again == nil {
				again = time.NewTimer(retry.next())
			}
			retryC = again.C
		}
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
			w.commit(w.collect(it))
		case <-tick:
			if w.a.dirty {
				w.syncAcked("interval fsync")
			}
		case <-retryC:
			again = nil
			w.syncAcked("rewrite after a failed fsync")
		case <-w.stop:
			if again != nil {
				again.Stop()
			}
			w.closeErr = w.drain()
			return
		}
		if w.a.broken == nil {
			retry.reset()
			if again != nil {
				again.Stop()
				again = nil
			}
		}
	}
}

// syncAcked fsyncs what was written (the interval's tick, or the retry of
// the rewrite after a failed fsync): on failure, and while the rewrite
// fails, the batches since the last good fsync are held and new Appends
// refused.
func (w *Async) syncAcked(what string) {
	if err := w.a.sync(); err != nil {
		err = fmt.Errorf("writer: %s: %w", what, err)
		w.st.setErr(err)
		w.failing.Store(&err)
	} else {
		w.st.syncs.Add(1)
		if w.failing.Load() != nil {
			w.st.clearErr()
			w.failing.Store(nil)
		}
	}
	w.publish()
}

// publish copies the appender's state into the Stats counters.
func (w *Async) publish() {
	w.a.publish(&w.st)
	if w.a.broken != nil {
		w.st.setHeld(w.a.heldBatches, int64(len(w.a.held)))
	} else {
		w.st.setHeld(0, 0)
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
func (w *Async) commit(g []*item) error {
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
	return w.commitAcked(g, n)
}

// commitAcked writes the acknowledged group g of n bytes, holding it and
// retrying while the sink refuses it, until it lands or Close's deadline
// passes.
func (w *Async) commitAcked(g []*item, n int) error {
	b := backoff{first: w.first}
	var landed int64
	for {
		batches := len(g) // complete once the rest lands; 0 when only the fsync behind it failed
		if landed == int64(n) {
			batches = 0
		}
		k, err := w.a.writeAcked(landed, batches, w.bufs...)
		landed += k
		if err == nil && w.a.needSync() {
			if serr := w.a.sync(); serr != nil {
				err = fmt.Errorf("fsync: %w", serr)
			} else {
				w.st.syncs.Add(1)
			}
		}
		// Stats before the flag: whoever sees the flag change sees them.
		if err == nil {
			w.st.clearErr()
			w.st.batches.Add(uint64(len(g)))
			w.publish()
			w.failing.Store(nil)
			w.release(g)
			return nil
		}
		werr := fmt.Errorf("writer: write: %w", err)
		w.st.setErr(werr)
		w.publish()
		if landed < int64(n) {
			w.st.setHeld(len(g)+heldIfBroken(w.a), int64(n)-landed+heldBytesIfBroken(w.a))
		}
		w.failing.Store(&err)
		if w.expired() || !w.pause(b.next()) {
			if landed == int64(n) {
				// it is in the file; what failed is the fsync behind it,
				// which Close's own accounts for
				w.st.batches.Add(uint64(len(g)))
				w.release(g)
				return werr
			}
			w.st.lost.Add(uint64(len(g)))
			w.st.setHeld(heldIfBroken(w.a), heldBytesIfBroken(w.a))
			w.release(g)
			err := fmt.Errorf("writer: %d acknowledged batches lost: %w", len(g), werr)
			if w.lostErr == nil {
				w.lostErr = err
			}
			return err
		}
	}
}

func heldIfBroken(a *appender) int {
	if a.broken == nil {
		return 0
	}
	return a.heldBatches
}

func heldBytesIfBroken(a *appender) int64 {
	if a.broken == nil {
		return 0
	}
	return int64(len(a.held))
}

// expired reports whether Close's deadline has passed.
func (w *Async) expired() bool { return isClosed(w.stop) && isClosed(w.deadline) }

// pause waits d before a retry. It returns false when Close's deadline
// passes first: give up.
func (w *Async) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	stop := w.stop
	for {
		var deadline <-chan struct{}
		if isClosed(w.stop) {
			stop, deadline = nil, w.deadline
		}
		select {
		case <-t.C:
			return true
		case <-stop: // Close began: wait for the timer or its deadline
		case <-deadline:
			return false
		}
	}
}

// commitAlways writes and fsyncs g once (the rewrite after a failed fsync
// included) and hands the result to each of its waiting Appends.
func (w *Async) commitAlways(g []*item, n int) error {
	err := w.a.write(len(g), w.bufs...)
	if err != nil {
		err = fmt.Errorf("writer: write: %w", err)
	} else if serr := w.a.sync(); serr != nil {
		w.a.drop(int64(n), len(g))
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
	w.a.publish(&w.st)
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
		keep(w.commit(w.collect(<-w.queue)))
	}
	if w.a.torn > 0 {
		_, err := w.a.repair()
		keep(err)
	}
	if w.policy != FsyncNever {
		if err := w.syncUntil(); err != nil {
			w.st.notDurable.Add(uint64(w.a.heldBatches))
			keep(fmt.Errorf("writer: fsync: %d acknowledged batches may not be on disk: %w", w.a.heldBatches, err))
		} else {
			w.st.syncs.Add(1)
		}
	}
	if err := w.a.sink.Close(); err != nil {
		keep(fmt.Errorf("writer: close: %w", err))
	}
	w.publish()
	if first != nil {
		w.st.setErr(first)
	} else {
		w.st.clearErr()
		w.failing.Store(nil)
	}
	return first
}

// syncUntil fsyncs, retrying the rewrite after a failed fsync until it
// succeeds or Close's deadline passes (at least one attempt).
func (w *Async) syncUntil() error {
	b := backoff{first: w.first}
	for {
		err := w.a.sync()
		if err == nil || w.expired() || !w.pause(b.next()) {
			return err
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Close is CloseContext with DefaultCloseWait.
func (w *Async) Close() error { return closeWithin(w, DefaultCloseWait) }

// CloseContext stops accepting batches (later Appends get ErrClosed),
// waits for the background writer to drain the queue, write, fsync unless
// FsyncNever and close the sink, and returns the first error. Acknowledged
// batches the sink refuses are retried until ctx ends. Later calls return
// the same result.
func (w *Async) CloseContext(ctx context.Context) error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		w.deadline = ctx.Done()
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

package writer

import (
	"fmt"
	"sync"
	"time"
)

var _ Writer = (*Sync)(nil)

// Sync is the seed's chapter 7: every Append takes one mutex, writes its
// batch into a bufio.Writer and flushes it to the sink before returning,
// so the request pays for the write(2) (and, under FsyncAlways, for the
// fsync(2)) while every other request waits on the mutex. Pick it as the
// baseline the Async variant is measured against, or where the simplest
// possible durability story matters more than throughput: Append returns
// nil only once its batch is in the kernel (FsyncNever, FsyncInterval) or
// on disk (FsyncAlways).
//
// Durability, by policy, after kill -9 of the process: nothing
// acknowledged is lost with any policy (the data is in the page cache).
// After a power loss or kernel crash: FsyncNever loses what the kernel had
// not written back (seconds, by its dirty-page settings); FsyncInterval
// loses at most the batches acknowledged in the last FsyncInterval;
// FsyncAlways loses nothing acknowledged.
//
// Errors: a failed write returns the wrapped error and sets
// Stats.LastError; the batch is not acknowledged. A short write is cut
// back out of the file with Truncate (see appender); if the sink cannot
// truncate, the batch's rest is written first by the next Append, which
// fails until that succeeds, so the file never holds half a batch followed
// by another. Under FsyncAlways a batch whose fsync failed is truncated
// away too where possible. Interval fsync errors are recorded in
// Stats.LastError and retried at the next tick; Appends keep being
// acknowledged, since that policy never promised per-batch durability.
type Sync struct {
	mu     sync.Mutex
	a      *appender // guarded by mu
	closed bool      // guarded by mu

	policy FsyncPolicy
	st     counters

	stop chan struct{} // closed by Close to end the interval fsyncer
	done chan struct{} // closed when the interval fsyncer has returned

	closeOnce sync.Once
	closeErr  error
}

// NewSync returns a Sync writing to c.Sink.
func NewSync(c Config) (Writer, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Sync{a: newAppender(c.Sink, c.BufferSize), policy: c.Fsync}
	if c.Fsync == FsyncInterval {
		w.stop, w.done = make(chan struct{}), make(chan struct{})
		go w.fsyncEvery(c.FsyncInterval)
	}
	return w, nil
}

// Append writes lines, flushes them to the sink and, under FsyncAlways,
// fsyncs before returning.
func (w *Sync) Append(lines []byte) error {
	if err := checkBatch(lines); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if err := w.a.write(lines); err != nil {
		return w.failLocked(fmt.Errorf("writer: write: %w", err))
	}
	if w.policy == FsyncAlways {
		if err := w.a.sync(); err != nil {
			w.a.rollback(int64(len(lines)))
			return w.failLocked(fmt.Errorf("writer: fsync: %w", err))
		}
		w.st.syncs.Add(1)
	}
	w.st.batches.Add(1)
	w.st.bytes.Store(uint64(w.a.cw.n))
	w.st.clearErr()
	return nil
}

func (w *Sync) failLocked(err error) error {
	w.st.failed.Add(1)
	w.st.bytes.Store(uint64(w.a.cw.n))
	w.st.setErr(err)
	return err
}

// fsyncEvery fsyncs under the mutex every interval while anything was
// written since the last fsync.
func (w *Sync) fsyncEvery(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.mu.Lock()
			if !w.closed && w.a.dirty {
				if err := w.a.sync(); err != nil {
					w.st.setErr(fmt.Errorf("writer: interval fsync: %w", err))
				} else {
					w.st.syncs.Add(1)
				}
			}
			w.mu.Unlock()
		}
	}
}

// Close stops accepting batches, completes a torn write if one is pending,
// fsyncs unless FsyncNever and closes the sink. Later calls return the
// first call's result.
func (w *Sync) Close() error {
	w.closeOnce.Do(func() { w.closeErr = w.close() })
	return w.closeErr
}

func (w *Sync) close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	if w.stop != nil {
		close(w.stop) // the fsyncer takes mu: wait for it unlocked
		<-w.done
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var first error
	if _, err := w.a.repair(); err != nil {
		first = err
	}
	if w.policy != FsyncNever {
		if err := w.a.sync(); err != nil && first == nil {
			first = fmt.Errorf("writer: fsync: %w", err)
		} else if err == nil {
			w.st.syncs.Add(1)
		}
	}
	if err := w.a.sink.Close(); err != nil && first == nil {
		first = fmt.Errorf("writer: close: %w", err)
	}
	w.st.bytes.Store(uint64(w.a.cw.n))
	if first != nil {
		w.st.setErr(first)
	}
	return first
}

// Stats never waits for the mutex.
func (w *Sync) Stats() Stats { return w.st.snapshot() }

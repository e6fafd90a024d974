package writer

import (
	"context"
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
// by another. Nothing acknowledged is held: a full disk costs the batches
// refused while it is full (503), and the first Append after space
// returns succeeds.
//
// A failed fsync (durable.go): the writer keeps the bytes written since
// the last good fsync (under FsyncInterval at most Config.MaxUnsynced:
// past it the Append fsyncs early) and, after a failure, rewrites them
// through a reopened descriptor and fsyncs again. Under FsyncAlways the
// Append whose fsync failed is acknowledged only if that rewrite's fsync
// succeeds; otherwise it gets the error and its batch is dropped from
// what is kept. While the rewrite keeps failing every Append is refused
// (each tries it again, at most once per backoff step, so a recovered
// disk is seen by the next request), the interval fsyncer retries it too,
// and Close retries it until its deadline, then returns an error counting
// the acknowledged batches not made durable (Stats.NotDurable).
type Sync struct {
	mu     sync.Mutex
	a      *appender // guarded by mu
	closed bool      // guarded by mu

	policy  FsyncPolicy
	st      counters
	retry   backoff   // guarded by mu: the rewrite's retries
	retryAt time.Time // guarded by mu: no rewrite attempt before

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
	w := &Sync{a: newAppender(c.Sink, c), policy: c.Fsync, retry: backoff{first: c.RetryBackoff}}
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
	if w.a.broken != nil && time.Now().Before(w.retryAt) {
		return w.failLocked(fmt.Errorf("writer: refused until the rewrite after a failed fsync succeeds: %w", w.a.broken))
	}
	if err := w.a.write(1, lines); err != nil {
		w.brokenLocked()
		return w.failLocked(fmt.Errorf("writer: write: %w", err))
	}
	if w.policy == FsyncAlways || w.a.needSync() {
		if err := w.a.sync(); err != nil {
			w.a.drop(int64(len(lines)), 1)
			w.brokenLocked()
			return w.failLocked(fmt.Errorf("writer: fsync: %w", err))
		}
		w.st.syncs.Add(1)
	}
	w.retry.reset()
	w.retryAt = time.Time{}
	w.st.batches.Add(1)
	w.publishLocked()
	w.st.clearErr()
	return nil
}

// brokenLocked schedules the next rewrite attempt while one is due: the
// next Append tries it at once after the first failure, then with backoff.
func (w *Sync) brokenLocked() {
	switch {
	case w.a.broken == nil:
		w.retryAt = time.Time{}
	case w.retryAt.IsZero():
		w.retryAt = time.Now()
	default:
		w.retryAt = time.Now().Add(w.retry.next())
	}
}

func (w *Sync) failLocked(err error) error {
	w.st.failed.Add(1)
	w.publishLocked()
	w.st.setErr(err)
	return err
}

// publishLocked copies the appender's state into the Stats counters: while
// the rewrite after a failed fsync is due, what it holds is held.
func (w *Sync) publishLocked() {
	w.a.publish(&w.st)
	if w.a.broken != nil {
		w.st.setHeld(w.a.heldBatches, int64(len(w.a.held)))
	} else {
		w.st.setHeld(0, 0)
	}
}

// fsyncEvery fsyncs under the mutex every interval while anything was
// written since the last fsync, or the rewrite after a failed one is due.
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
			if !w.closed && (w.a.dirty || w.a.broken != nil) {
				if err := w.a.sync(); err != nil {
					w.st.setErr(fmt.Errorf("writer: interval fsync: %w", err))
					w.brokenLocked()
				} else {
					w.st.syncs.Add(1)
					w.st.clearErr()
				}
				w.publishLocked()
			}
			w.mu.Unlock()
		}
	}
}

// Close is CloseContext with DefaultCloseWait.
func (w *Sync) Close() error { return closeWithin(w, DefaultCloseWait) }

// CloseContext stops accepting batches, completes a torn write if one is
// pending, fsyncs unless FsyncNever (retrying the rewrite after a failed
// fsync until ctx ends) and closes the sink. Later calls return the first
// call's result.
func (w *Sync) CloseContext(ctx context.Context) error {
	w.closeOnce.Do(func() { w.closeErr = w.close(ctx) })
	return w.closeErr
}

func (w *Sync) close(ctx context.Context) error {
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
		if err := syncUntil(ctx, w.a, &w.retry); err != nil {
			w.st.notDurable.Add(uint64(w.a.heldBatches))
			if first == nil {
				first = fmt.Errorf("writer: fsync: %d acknowledged batches may not be on disk: %w", w.a.heldBatches, err)
			}
		} else {
			w.st.syncs.Add(1)
		}
	}
	if err := w.a.sink.Close(); err != nil && first == nil {
		first = fmt.Errorf("writer: close: %w", err)
	}
	w.publishLocked()
	if first != nil {
		w.st.setErr(first)
	} else {
		w.st.clearErr()
	}
	return first
}

// syncUntil fsyncs a, retrying the rewrite after a failed fsync with
// backoff until it succeeds or ctx ends (at least one attempt).
func syncUntil(ctx context.Context, a *appender, b *backoff) error {
	for {
		err := a.sync()
		if err == nil {
			return nil
		}
		t := time.NewTimer(b.next())
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Stats never waits for the mutex.
func (w *Sync) Stats() Stats { return w.st.snapshot() }

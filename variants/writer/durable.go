package writer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Durability after a failed fsync.
//
// On Linux a failed fsync(2) does not mean "try again later". The
// writeback that failed has already marked the dirty pages it could not
// write as clean (or dropped them), and the error is reported once, to the
// descriptors open at the time: a second fsync then returns 0 although
// the data never reached the disk. PostgreSQL fsynced again after an error
// for twenty years and lost data this way ("fsyncgate", 2018); it now
// treats a failed fsync as fatal and replays its WAL. Our WAL is the copy
// we keep: with hold set (FsyncInterval, FsyncAlways) the appender keeps
// every byte written since the last successful fsync (held). After a
// failed fsync it trusts nothing past that point (durable):
//
//  1. it reopens the file (Reopener, or an *os.File by name when the name
//     still leads to the same file), to write through a descriptor whose
//     error state starts after the failure, as PostgreSQL's recovery
//     does; where it cannot, it uses the descriptor it has (the rewrite,
//     not the descriptor, is what puts the data back);
//  2. truncates the file to its durable length;
//  3. writes held again (the pages are dirty again, with our bytes);
//  4. fsyncs, and only this fsync's success makes those bytes durable.
//
// If any step fails the appender is broken: every later unit first
// retries the rewrite (ready), so nothing new is acknowledged until it
// succeeds, and the writer reports what held is left (Stats.Held,
// Stats.NotDurable at Close). A sink that cannot truncate cannot be
// rewritten: after a failed fsync it stays broken.

var errNoReopen = errors.New("writer: sink cannot reopen")

// synced records a successful fsync: everything in the sink is durable.
func (a *appender) synced() {
	a.dirty = false
	a.durable = a.cw.n
	a.held = a.held[:0]
	if cap(a.held) > 4*a.maxHeld {
		a.held = nil // one burst past the bound must not pin its buffer
	}
	a.heldBatches = 0
	a.broken = nil
}

// sync fsyncs the sink; after a failure it rewrites what was written since
// the last good fsync (resync) and returns nil only when that succeeded.
func (a *appender) sync() error {
	if a.broken == nil {
		err := a.sink.Sync()
		if err == nil {
			a.synced()
			return nil
		}
		a.broken = fmt.Errorf("fsync: %w", err)
	}
	return a.resync()
}

// needSync reports whether held has grown past its bound (FsyncInterval
// fsyncs early then).
func (a *appender) needSync() bool { return a.hold && len(a.held) >= a.maxHeld }

// resync rewrites held after a failed fsync (the steps above). It returns
// nil once the rewrite's fsync succeeded; otherwise the appender stays
// broken and the error says why.
func (a *appender) resync() error {
	if a.broken == nil {
		return nil
	}
	fail := func(step string, err error) error {
		return fmt.Errorf("writer: %v, then %s failed: %w (%d bytes written since the last good fsync are not durable)", a.broken, step, err, len(a.held))
	}
	if !a.hold || a.base < 0 {
		return fail("rewriting", errNoTruncate)
	}
	s := a.sink
	if ns, err := reopen(a.sink); err == nil {
		s = ns
	}
	closeNew := func() {
		if s != a.sink {
			s.Close()
		}
	}
	t, ok := s.(truncater)
	if !ok {
		closeNew()
		return fail("rewriting", errNoTruncate)
	}
	size := a.base + a.durable
	if err := t.Truncate(size); err != nil {
		closeNew()
		return fail("truncating to the durable length", err)
	}
	if _, err := t.Seek(size, io.SeekStart); err != nil {
		closeNew()
		return fail("truncating to the durable length", err)
	}
	if err := writeAll(s, a.held); err != nil {
		closeNew()
		return fail("writing again", err)
	}
	if err := s.Sync(); err != nil {
		closeNew()
		return fail("fsync after writing again", err)
	}
	if s != a.sink {
		a.sink.Close() // its error state is the failure's; the new one is clean
		a.sink = s
		a.cw.w = s
		a.bw.Reset(&a.cw)
	}
	a.cw.n = a.durable + int64(len(a.held))
	a.torn, a.tail = 0, nil
	a.synced()
	return nil
}

// drop removes the last n bytes, batches batches, from held: a unit whose
// fsync failed and whose Appends get the error. The file still holds them
// until the next rewrite cuts it back to held.
func (a *appender) drop(n int64, batches int) {
	if !a.hold {
		return
	}
	a.held = a.held[:max(0, int64(len(a.held))-n)]
	a.heldBatches = max(0, a.heldBatches-batches)
}

// publish copies what the appender holds into the Stats counters.
func (a *appender) publish(st *counters) {
	st.bytes.Store(uint64(a.cw.n))
	st.unsynced.Store(int64(len(a.held)))
}

func writeAll(w io.Writer, b []byte) error {
	for len(b) > 0 {
		n, err := w.Write(b)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		b = b[n:]
	}
	return nil
}

// reopen opens the sink's file again: through Reopen, or for an *os.File
// by its name, refusing a name that now leads to another file (rotated
// or replaced: truncating that one would destroy someone else's data).
func reopen(s Sink) (Sink, error) {
	switch s := s.(type) {
	case Reopener:
		return s.Reopen()
	case *os.File:
		nf, err := os.OpenFile(s.Name(), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, err
		}
		a, err1 := s.Stat()
		b, err2 := nf.Stat()
		if err1 != nil || err2 != nil || !os.SameFile(a, b) {
			nf.Close()
			return nil, fmt.Errorf("writer: %s is no longer the file being written", s.Name())
		}
		return nf, nil
	}
	return nil, errNoReopen
}

// backoff is the wait before each retry of a refused write or rewrite:
// first, doubling up to MaxRetryBackoff.
type backoff struct {
	first, cur time.Duration
}

func (b *backoff) next() time.Duration {
	d := b.cur
	if d == 0 {
		d = b.first
	}
	b.cur = min(2*d, MaxRetryBackoff)
	return min(d, MaxRetryBackoff)
}

func (b *backoff) reset() { b.cur = 0 }

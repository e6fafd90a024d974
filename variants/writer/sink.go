package writer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Defaults applied by withDefaults.
const (
	DefaultFsyncInterval = time.Second
	DefaultQueueLen      = 1024
	DefaultBufferSize    = 64 << 10
	DefaultRetryBackoff  = 10 * time.Millisecond
	maxRetryBackoff      = time.Second
)

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Sink == nil {
		return c, errors.New("writer: Config.Sink is nil")
	}
	if c.Fsync < FsyncNever || c.Fsync > FsyncAlways {
		return c, fmt.Errorf("writer: unknown fsync policy %d", int(c.Fsync))
	}
	if c.FsyncInterval < 0 || c.QueueLen < 0 || c.BufferSize < 0 || c.RetryBackoff < 0 {
		return c, fmt.Errorf("writer: negative Config value (FsyncInterval %v, QueueLen %d, BufferSize %d, RetryBackoff %v)",
			c.FsyncInterval, c.QueueLen, c.BufferSize, c.RetryBackoff)
	}
	if c.FsyncInterval == 0 {
		c.FsyncInterval = DefaultFsyncInterval
	}
	if c.QueueLen == 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.BufferSize == 0 {
		c.BufferSize = DefaultBufferSize
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	return c, nil
}

// checkBatch rejects a batch that would break the file's line structure.
func checkBatch(lines []byte) error {
	if len(lines) == 0 {
		return errors.New("writer: empty batch")
	}
	if lines[len(lines)-1] != '\n' {
		return errors.New("writer: batch does not end in '\\n'")
	}
	return nil
}

// truncater is what a Sink needs for a failed write to be cut back out of
// it. *os.File has both methods.
type truncater interface {
	Truncate(size int64) error
	Seek(offset int64, whence int) (int64, error)
}

var errNoTruncate = errors.New("writer: sink cannot truncate")

// countingWriter counts the bytes its Sink accepted, including those of a
// short write that also returned an error.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// appender writes units (a batch for Sync, a group of batches for Async)
// to a Sink so that the sink never keeps half a unit followed by other
// data. It is not safe for concurrent use: its owner serialises calls
// (Sync under its mutex, Async in its single background goroutine).
//
// When a write fails after the sink took part of a unit (a short write, as
// ENOSPC gives), the appender first tries to cut those bytes back out
// (Seek to the end, Truncate by the torn length). If the sink cannot
// truncate, or truncating fails, it keeps the rest of the unit (tail) and
// the next write first completes the torn unit, so that the sink is
// line-aligned again before anything else goes in; until that succeeds
// every write fails. The price of the fallback: a unit whose write
// returned an error can end up whole in the sink (never half of it). With
// *os.File, truncation is the normal path.
type appender struct {
	sink  Sink
	cw    countingWriter
	bw    *bufio.Writer
	torn  int64  // bytes of a failed unit at the end of the sink; 0 when line-aligned
	tail  []byte // what completes the torn unit when it cannot be truncated
	dirty bool   // written since the last successful fsync
}

func newAppender(sink Sink, bufSize int) *appender {
	a := &appender{sink: sink}
	a.cw.w = sink
	a.bw = bufio.NewWriterSize(&a.cw, bufSize)
	return a
}

// write appends the unit made of bufs and flushes it to the sink. It
// returns nil only when all of it is in the sink. On error nothing of the
// unit is in the sink (it was never written, or it was truncated away) or
// the sink is torn and a.torn > 0 (see repair).
func (a *appender) write(bufs ...[]byte) error {
	if _, err := a.repair(); err != nil {
		return err
	}
	start := a.cw.n
	for _, b := range bufs {
		a.bw.Write(b) // a bufio.Writer's error is sticky; Flush reports it
	}
	err := a.bw.Flush()
	if err == nil {
		a.dirty = true
		return nil
	}
	// bufio.Writer refuses all writes after an error: start afresh. What
	// it still held of this unit is discarded with it.
	a.bw.Reset(&a.cw)
	if torn := a.cw.n - start; torn > 0 {
		a.dirty = true
		a.torn = torn
		a.tail = tailOf(bufs, torn)
		a.truncate() // best effort now; repair retries it
	}
	return err
}

// tailOf returns a copy of the concatenation of bufs, less its first skip
// bytes.
func tailOf(bufs [][]byte, skip int64) []byte {
	var t []byte
	for _, b := range bufs {
		if skip >= int64(len(b)) {
			skip -= int64(len(b))
			continue
		}
		t = append(t, b[skip:]...)
		skip = 0
	}
	return t
}

// repair makes the sink line-aligned again after a torn write: it
// truncates the torn bytes away or, failing that, writes the rest of the
// torn unit. completed reports that the torn unit is now whole in the sink.
func (a *appender) repair() (completed bool, err error) {
	if a.torn == 0 {
		return false, nil
	}
	if a.truncate() == nil {
		return false, nil
	}
	n, err := a.cw.Write(a.tail)
	a.torn += int64(n)
	a.tail = a.tail[n:]
	if err == nil && len(a.tail) > 0 {
		err = io.ErrShortWrite
	}
	if err != nil {
		return false, fmt.Errorf("writer: repairing torn write: %w", err)
	}
	a.torn, a.tail = 0, nil
	return true, nil
}

// truncate cuts a.torn bytes off the end of the sink.
func (a *appender) truncate() error {
	t, ok := a.sink.(truncater)
	if !ok {
		return errNoTruncate
	}
	end, err := t.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	size := end - a.torn
	if size < 0 {
		return fmt.Errorf("writer: sink holds %d bytes, fewer than the %d torn ones", end, a.torn)
	}
	if err := t.Truncate(size); err != nil {
		return err
	}
	// Harmless with O_APPEND; keeps a sink without it from writing past a hole.
	if _, err := t.Seek(size, io.SeekStart); err != nil {
		return err
	}
	a.cw.n -= a.torn
	a.torn, a.tail = 0, nil
	return nil
}

// rollback removes the last n bytes, a whole unit that was written but
// whose fsync failed, if the sink can truncate; otherwise the unit stays
// (whole) in the sink.
func (a *appender) rollback(n int64) {
	a.torn, a.tail = n, nil
	if a.truncate() != nil {
		a.torn = 0
	}
}

// sync fsyncs the sink if anything was written since the last fsync.
func (a *appender) sync() error {
	if err := a.sink.Sync(); err != nil {
		return err
	}
	a.dirty = false
	return nil
}

// counters are the Stats shared by both variants, readable without the
// variant's lock so that Stats never waits behind a slow write.
type counters struct {
	batches, bytes, syncs  atomic.Uint64
	failed, rejected, lost atomic.Uint64
	lastErr                atomic.Pointer[string]
}

func (c *counters) setErr(err error) {
	s := err.Error()
	c.lastErr.Store(&s)
}

func (c *counters) clearErr() {
	if c.lastErr.Load() != nil {
		c.lastErr.Store(nil)
	}
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Batches:  c.batches.Load(),
		Bytes:    c.bytes.Load(),
		Syncs:    c.syncs.Load(),
		Failed:   c.failed.Load(),
		Rejected: c.rejected.Load(),
		Lost:     c.lost.Load(),
	}
	if p := c.lastErr.Load(); p != nil {
		s.LastError = *p
	}
	return s
}

package writer

import (
	"bufio"
	"bytes"
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
	DefaultMaxUnsynced   = 8 << 20
	// MaxRetryBackoff caps the wait between retries of a refused write or
	// rewrite: once the disk has room again, a held batch lands within
	// this long, and new batches are accepted right after.
	MaxRetryBackoff = 250 * time.Millisecond
)

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Sink == nil {
		return c, errors.New("writer: Config.Sink is nil")
	}
	if c.Fsync < FsyncNever || c.Fsync > FsyncAlways {
		return c, fmt.Errorf("writer: unknown fsync policy %d", int(c.Fsync))
	}
	if c.FsyncInterval < 0 || c.QueueLen < 0 || c.BufferSize < 0 || c.RetryBackoff < 0 || c.MaxUnsynced < 0 {
		return c, fmt.Errorf("writer: negative Config value (FsyncInterval %v, QueueLen %d, BufferSize %d, RetryBackoff %v, MaxUnsynced %d)",
			c.FsyncInterval, c.QueueLen, c.BufferSize, c.RetryBackoff, c.MaxUnsynced)
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
	if c.MaxUnsynced == 0 {
		c.MaxUnsynced = DefaultMaxUnsynced
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
// A unit not yet acknowledged (write): when its write fails after the sink
// took part of it (a short write, as ENOSPC and EFBIG give), the appender
// first tries to cut those bytes back out (Seek to the end, Truncate by
// the torn length). If the sink cannot truncate, or truncating fails, it
// keeps the rest of the unit (tail) and the next write first completes
// the torn unit, so that the sink is line-aligned again before anything
// else goes in; until that succeeds every write fails. The price of the
// fallback: a unit whose write returned an error can end up whole in the
// sink (never half of it). With *os.File, truncation is the normal path.
//
// A unit already acknowledged (writeAcked, Async under FsyncNever and
// FsyncInterval): what the sink took is cut back to its last whole line
// and the caller retries from there, so the file never ends in a torn
// line while the retry waits, and the lines already written stay.
//
// Durability (hold, the policies that fsync): see durable.go.
type appender struct {
	sink  Sink
	cw    countingWriter
	bw    *bufio.Writer
	torn  int64  // bytes of a failed unit at the end of the sink; 0 when line-aligned
	tail  []byte // what completes the torn unit when it cannot be truncated
	dirty bool   // written since the last successful fsync

	hold        bool   // keep held: the policy fsyncs
	maxHeld     int    // FsyncInterval: fsync early past this many held bytes
	base        int64  // the sink's size when the appender started; -1: unknown (cannot truncate)
	durable     int64  // cw.n at the last successful fsync
	held        []byte // hold: the sink's bytes from durable to cw.n, to write again should an fsync fail
	heldBatches int    // batches wholly in held
	broken      error  // an fsync failed and the rewrite has not succeeded since (durable.go)
}

func newAppender(sink Sink, c Config) *appender {
	a := &appender{sink: sink, base: -1, hold: c.Fsync != FsyncNever, maxHeld: c.MaxUnsynced}
	a.cw.w = sink
	a.bw = bufio.NewWriterSize(&a.cw, c.BufferSize)
	if t, ok := sink.(truncater); ok {
		if end, err := t.Seek(0, io.SeekEnd); err == nil {
			a.base = end
		}
	}
	return a
}

// write appends the unit made of bufs (batches batches, not yet
// acknowledged) and flushes it to the sink. It returns nil only when all
// of it is in the sink. On error nothing of the unit is in the sink (it
// was never written, or it was truncated away) or the sink is torn and
// a.torn > 0 (see repair).
func (a *appender) write(batches int, bufs ...[]byte) error {
	if err := a.ready(); err != nil {
		return err
	}
	start := a.cw.n
	for _, b := range bufs {
		a.bw.Write(b) // a bufio.Writer's error is sticky; Flush reports it
	}
	err := a.bw.Flush()
	if err == nil {
		a.landed(bufs, a.cw.n-start, batches)
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

// writeAcked appends bufs less their first from bytes, the rest of an
// acknowledged unit of batches batches, and returns how many bytes of
// that rest are now in the sink. On error the sink ends at a whole line:
// what it took past its last one is cut back out, so the caller retries
// from there (where the sink cannot truncate, the partial line stays and
// the count includes it: the retry completes it).
func (a *appender) writeAcked(from int64, batches int, bufs ...[]byte) (int64, error) {
	if err := a.ready(); err != nil {
		return 0, err
	}
	rest := skipBytes(bufs, from)
	start := a.cw.n
	for _, b := range rest {
		a.bw.Write(b)
	}
	err := a.bw.Flush()
	n := a.cw.n - start
	if err == nil {
		a.landed(rest, n, batches)
		return n, nil
	}
	a.bw.Reset(&a.cw)
	k := lastLineEnd(rest, n)
	if k < n {
		a.torn = n - k
		if a.truncate() != nil {
			a.torn, k = 0, n
		}
	}
	a.landed(rest, k, 0)
	return k, err
}

// ready makes the sink fit to take a unit: the rewrite after a failed
// fsync first, then a torn unit cut or completed.
func (a *appender) ready() error {
	if a.broken != nil {
		if err := a.resync(); err != nil {
			return err
		}
	}
	_, err := a.repair()
	return err
}

// landed notes n bytes of bufs now in the sink, completing batches.
func (a *appender) landed(bufs [][]byte, n int64, batches int) {
	if n == 0 && batches == 0 {
		return
	}
	a.dirty = true
	if !a.hold {
		return
	}
	for _, b := range bufs {
		if n <= 0 {
			break
		}
		m := min(int64(len(b)), n)
		a.held = append(a.held, b[:m]...)
		n -= m
	}
	a.heldBatches += batches
}

// skipBytes returns bufs less their first skip bytes, sharing their memory
// (bufs itself when skip is 0: the path of every healthy write).
func skipBytes(bufs [][]byte, skip int64) [][]byte {
	if skip == 0 {
		return bufs
	}
	for i, b := range bufs {
		if skip < int64(len(b)) {
			out := append([][]byte{b[skip:]}, bufs[i+1:]...)
			return out
		}
		skip -= int64(len(b))
	}
	return nil
}

// lastLineEnd returns the offset just after the last '\n' among the first
// n bytes of bufs, or 0.
func lastLineEnd(bufs [][]byte, n int64) int64 {
	var off, end int64
	for _, b := range bufs {
		if off >= n {
			break
		}
		m := min(int64(len(b)), n-off)
		if i := bytes.LastIndexByte(b[:m], '\n'); i >= 0 {
			end = off + int64(i) + 1
		}
		off += m
	}
	return end
}

// tailOf returns a copy of the concatenation of bufs, less its first skip
// bytes.
func tailOf(bufs [][]byte, skip int64) []byte {
	var t []byte
	for _, b := range skipBytes(bufs, skip) {
		t = append(t, b...)
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

// counters are the Stats shared by both variants, readable without the
// variant's lock so that Stats never waits behind a slow write.
type counters struct {
	batches, bytes, syncs  atomic.Uint64
	failed, rejected, lost atomic.Uint64
	notDurable             atomic.Uint64
	held, heldBytes        atomic.Int64
	unsynced               atomic.Int64
	lastErr                atomic.Pointer[string]
}

// setHeld publishes what the writer holds for retry.
func (c *counters) setHeld(batches int, bytes int64) {
	c.held.Store(int64(batches))
	c.heldBytes.Store(bytes)
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

		Held:       int(c.held.Load()),
		HeldBytes:  c.heldBytes.Load(),
		Unsynced:   c.unsynced.Load(),
		NotDurable: c.notDurable.Load(),
	}
	if p := c.lastErr.Load(); p != nil {
		s.LastError = *p
	}
	return s
}

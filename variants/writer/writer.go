// Package writer appends encoded metrics to the JSON Lines file. Its variants
// are the seed's chapter 7 (Sync: write and flush on the request path) and
// chapter 8 (Async: bounded queue, one background writer).
package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Writer appends batches of complete JSON lines to the data file.
//
// Contract, the same for every variant (the conformance suite checks it):
//   - Append(lines): lines is one batch, one or more complete lines each
//     ending in '\n'. The batch's lines reach the file contiguously: lines
//     of different batches never interleave. Append must not retain lines
//     after it returns (copy what you queue). Safe for concurrent use.
//   - Append returns nil only if the batch will be in the file after a
//     graceful Close, and, under FsyncAlways, only once it is on disk. It
//     returns ErrQueueFull when a bounded queue is full (the server answers
//     503), ErrClosed after Close, and the write error (wrapped) when the
//     file cannot be written (the server answers 503); nothing of a batch
//     that got an error may be acknowledged.
//   - Close drains everything accepted, flushes, fsyncs unless FsyncNever,
//     closes the sink and returns the first error. Safe to call once.
//     A variant that holds acknowledged batches while the sink fails also
//     implements ContextCloser: CloseContext retries them until its
//     context ends (the server's shutdown deadline), Close for
//     DefaultCloseWait; CloseBy picks the right one.
//   - Stats may be called at any time, concurrently with everything.
//   - After a failed fsync nothing written since the last successful one
//     counts as durable: on Linux the kernel may have dropped the dirty
//     pages it could not write and cleared the error, so that a second
//     fsync succeeds without the data (PostgreSQL's "fsyncgate", 2018). The
//     variants keep the bytes written since the last good fsync, cut the
//     file back to that point through a reopened descriptor, write them
//     again and fsync; only that fsync's success makes them durable. Until
//     it succeeds they acknowledge nothing new, and Close reports what
//     could not be made durable (Stats.NotDurable) as an error.
type Writer interface {
	Append(lines []byte) error
	Close() error
	Stats() Stats
}

// Sink is where lines go: *os.File satisfies it; tests inject failing ones.
//
// What the writers can do after a failure depends on what else the sink
// offers: with Truncate and Seek (as *os.File) a torn write is cut back out
// and, after a failed fsync, the file is cut back to its last durable
// length and the bytes since rewritten; a sink that is also a Reopener
// (or an *os.File, reopened by name when it is still the same file) is
// rewritten through a fresh descriptor.
type Sink interface {
	io.Writer
	Sync() error
	Close() error
}

// Reopener is a Sink that can open its file again, for the rewrite after a
// failed fsync. *os.File needs not implement it: the writers reopen it by
// name.
type Reopener interface {
	Reopen() (Sink, error)
}

// ContextCloser is a Writer whose Close retries held batches until ctx
// ends instead of for DefaultCloseWait.
type ContextCloser interface {
	CloseContext(ctx context.Context) error
}

// closeWithin is c.CloseContext with a deadline d from now.
func closeWithin(c ContextCloser, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.CloseContext(ctx)
}

// CloseBy closes w, retrying what it holds until ctx ends where w can.
func CloseBy(ctx context.Context, w Writer) error {
	if c, ok := w.(ContextCloser); ok {
		return c.CloseContext(ctx)
	}
	return w.Close()
}

// FsyncPolicy says when data is forced to disk.
type FsyncPolicy int

const (
	FsyncNever    FsyncPolicy = iota // the OS decides; a crash may lose the page cache
	FsyncInterval                    // fsync every Config.FsyncInterval
	FsyncAlways                      // fsync before acknowledging a batch
)

// ParseFsync parses "never", "interval" or "always".
func ParseFsync(s string) (FsyncPolicy, error) {
	switch s {
	case "never":
		return FsyncNever, nil
	case "interval":
		return FsyncInterval, nil
	case "always":
		return FsyncAlways, nil
	}
	return 0, fmt.Errorf("writer: unknown fsync policy %q: want never, interval or always", s)
}

func (p FsyncPolicy) String() string {
	switch p {
	case FsyncNever:
		return "never"
	case FsyncInterval:
		return "interval"
	case FsyncAlways:
		return "always"
	}
	return fmt.Sprintf("FsyncPolicy(%d)", int(p))
}

// Config configures any variant.
type Config struct {
	Sink          Sink
	Fsync         FsyncPolicy
	FsyncInterval time.Duration // default 1s
	QueueLen      int           // Async: batches the queue holds (default 1024); Sync ignores it
	BufferSize    int           // bytes of the write buffer (default 64 KiB)

	// RetryBackoff is the first wait before a failed write or rewrite is
	// tried again (Async: an acknowledged group; both: the rewrite after a
	// failed fsync); it doubles up to MaxRetryBackoff (default 10ms).
	RetryBackoff time.Duration

	// MaxUnsynced bounds, under FsyncInterval, the bytes written since the
	// last fsync (default 8 MiB): past it the writer fsyncs at once instead
	// of waiting for the interval. Those bytes are kept in memory until an
	// fsync covers them, to be written again should it fail, so this is
	// also the memory that copy costs. FsyncAlways keeps at most one
	// group; FsyncNever keeps nothing.
	MaxUnsynced int

	// Eager makes Async write a group as soon as its first batch arrives,
	// as it did before it yielded first (FsyncNever, FsyncInterval): on a
	// busy server that is one write(2) per request. For benchmarks that
	// compare the two; Sync ignores it.
	Eager bool
}

// Stats is a point-in-time view for GET /metrics and GET /health.
type Stats struct {
	QueueDepth int    `json:"queue_depth"` // batches waiting (Async), 0 for Sync
	QueueCap   int    `json:"queue_cap"`   // capacity of the queue, 0 for Sync
	Batches    uint64 `json:"batches"`     // batches written to the sink
	Bytes      uint64 `json:"bytes"`       // bytes written to the sink
	Syncs      uint64 `json:"syncs"`       // fsync calls
	LastError  string `json:"last_error"`  // last write or sync error, "" when healthy

	Failed   uint64 `json:"failed"`   // Appends answered with a write or fsync error (not acknowledged)
	Rejected uint64 `json:"rejected"` // Appends answered ErrQueueFull (Async)
	Lost     uint64 `json:"lost"`     // acknowledged batches dropped after their writes kept failing (Async, FsyncNever/FsyncInterval, at Close only)

	// Held and HeldBytes are the acknowledged batches the writer holds in
	// memory because the sink refused them: a group whose write failed
	// (Async), or, after a failed fsync, what was written since the last
	// good one until the rewrite succeeds. 0 when healthy.
	Held      int   `json:"held"`
	HeldBytes int64 `json:"held_bytes"`
	// Unsynced is the bytes written since the last successful fsync, kept
	// to be rewritten should the next fsync fail (FsyncInterval,
	// FsyncAlways).
	Unsynced int64 `json:"unsynced_bytes"`
	// NotDurable counts acknowledged batches whose durability could not be
	// re-established after a failed fsync by the time Close gave up: they
	// may be in the file but not on disk. Close returns an error naming
	// them.
	NotDurable uint64 `json:"not_durable"`
}

// New constructs a Writer from a Config.
type New func(Config) (Writer, error)

// Variants lists every writer variant in journey order (seed chapters 7,
// 8). The conformance suite and the benchmarks loop over it; the names are
// those of variants.Dimensions.
var Variants = []struct {
	Name string
	New  New
}{
	{"sync", NewSync},
	{"async", NewAsync},
}

var (
	ErrQueueFull = errors.New("writer: queue full")
	ErrClosed    = errors.New("writer: closed")
)

// DefaultCloseWait is how long Close (without a context) keeps retrying
// acknowledged batches the sink refuses before it drops them.
const DefaultCloseWait = 2 * time.Second

// Package writer appends encoded metrics to the JSON Lines file. Its variants
// are the seed's chapter 7 (Sync: write and flush on the request path) and
// chapter 8 (Async: bounded queue, one background writer).
package writer

import (
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
//   - Stats may be called at any time, concurrently with everything.
type Writer interface {
	Append(lines []byte) error
	Close() error
	Stats() Stats
}

// Sink is where lines go: *os.File satisfies it; tests inject failing ones.
type Sink interface {
	io.Writer
	Sync() error
	Close() error
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

	// RetryBackoff is Async's first wait before it retries a group that
	// failed under FsyncNever or FsyncInterval; it doubles up to 1s
	// (default 10ms). Sync ignores it.
	RetryBackoff time.Duration

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

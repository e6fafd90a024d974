package writer

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

var _ Writer = (*Unbounded)(nil)

// Unbounded is the seed's chapter 8 writer as written, a seed design
// chosen by spec only (writer=unbounded), never in a preset:
//
//   - Append pushes a copy of the batch onto a queue (a slice under a mutex
//     and a condition variable, the seed's std::queue + std::mutex +
//     std::condition_variable) and returns nil at once: the seed's handler
//     answers success as soon as the batch is queued. There is no bound, so
//     when clients offer more than the disk takes (-fsync always on a slow
//     disk) the queue, and the heap, grow without limit. Stats.QueueDepth
//     and UnboundedStats (queued bytes, its peak) show the growth.
//   - The loop pops one batch at a time, unlocks, writes it (and fsyncs it
//     under FsyncAlways, or when FsyncInterval has elapsed), and locks
//     again, while the queue is not empty AND writer_running_ is true.
//   - Close sets writer_running_ to false and joins the loop: the loop
//     stops after the batch it is writing, and whatever is still queued is
//     dropped although every one of those batches was acknowledged. They
//     are counted in Stats.Lost and UnboundedStats.DroppedAtClose (batches,
//     lines = metrics, bytes), and Close returns an error saying how many
//     (the seed drops them silently; the server logs the error and the
//     process exits non-zero, so the loss is seen).
//
// Under FsyncAlways the acknowledgement comes before the fsync, against the
// Writer contract (the seed acknowledges on enqueue whatever the policy).
// A write error is recorded in Stats.LastError and the batch, already
// acknowledged, is lost (Stats.Lost). The conformance suite does not run
// this variant: it breaks the contract on purpose; writer's
// TestUnbounded* tests show how.
type Unbounded struct {
	mu      sync.Mutex
	cv      *sync.Cond
	queue   [][]byte // guarded by mu; the seed's write_queue_
	queued  int64    // guarded by mu; bytes in queue
	running bool     // guarded by mu; the seed's writer_running_ (an atomic there; mu here, since the loop reads it under the lock anyway)
	closed  bool     // guarded by mu: Append after Close is refused

	sink     Sink
	policy   FsyncPolicy
	interval time.Duration
	done     chan struct{}

	st           counters
	depth        atomic.Int64 // len(queue), readable without mu
	bytesQueued  atomic.Int64 // queued, readable without mu
	peakDepth    atomic.Int64
	peakBytes    atomic.Int64
	droppedBatch atomic.Uint64
	droppedLines atomic.Uint64
	droppedBytes atomic.Uint64
}

// UnboundedStats are the seed design's own counters: how far the queue
// grew, and what Close dropped.
type UnboundedStats struct {
	QueueDepth     int    `json:"queue_depth"`      // batches queued now
	QueuedBytes    int64  `json:"queued_bytes"`     // bytes of those batches (the heap they hold)
	PeakDepth      int    `json:"peak_depth"`       // most batches ever queued at once
	PeakBytes      int64  `json:"peak_bytes"`       // most bytes ever queued at once
	DroppedAtClose uint64 `json:"dropped_at_close"` // acknowledged batches Close dropped
	DroppedLines   uint64 `json:"dropped_lines"`    // their lines: acknowledged metrics lost
	DroppedBytes   uint64 `json:"dropped_bytes"`
}

// NewUnbounded returns the seed's unbounded async writer and starts its
// loop.
func NewUnbounded(c Config) (Writer, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Unbounded{running: true, sink: c.Sink, policy: c.Fsync, interval: c.FsyncInterval, done: make(chan struct{})}
	w.cv = sync.NewCond(&w.mu)
	go w.loop()
	return w, nil
}

// Append queues a copy of lines and returns nil (ErrClosed after Close).
func (w *Unbounded) Append(lines []byte) error {
	if err := checkBatch(lines); err != nil {
		return err
	}
	b := bytes.Clone(lines)
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.queue = append(w.queue, b)
	w.queued += int64(len(b))
	w.publishLocked()
	w.mu.Unlock()
	w.cv.Signal() // queue_cv_.notify_one()
	return nil
}

// publishLocked copies the queue's size into the atomics Stats reads.
func (w *Unbounded) publishLocked() {
	d, q := int64(len(w.queue)), w.queued
	w.depth.Store(d)
	w.bytesQueued.Store(q)
	if d > w.peakDepth.Load() {
		w.peakDepth.Store(d)
	}
	if q > w.peakBytes.Load() {
		w.peakBytes.Store(q)
	}
}

// loop is the seed's async_writer_loop, line for line.
func (w *Unbounded) loop() {
	defer close(w.done)
	lastSync := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.running {
		for len(w.queue) == 0 && w.running {
			w.cv.Wait()
		}
		for len(w.queue) > 0 && w.running {
			b := w.queue[0]
			w.queue[0] = nil
			w.queue = w.queue[1:]
			w.queued -= int64(len(b))
			w.publishLocked()
			w.mu.Unlock() // release the lock before I/O
			w.store(b, &lastSync)
			w.mu.Lock()
		}
	}
}

// store is store_metrics_to_file: one write, and an fsync by policy.
func (w *Unbounded) store(b []byte, lastSync *time.Time) {
	if _, err := w.sink.Write(b); err != nil {
		w.st.setErr(err)
		w.st.lost.Add(1)
		return
	}
	w.st.batches.Add(1)
	w.st.bytes.Add(uint64(len(b)))
	if w.policy == FsyncAlways || (w.policy == FsyncInterval && time.Since(*lastSync) >= w.interval) {
		if err := w.sink.Sync(); err != nil {
			w.st.setErr(err)
			return
		}
		w.st.syncs.Add(1)
		*lastSync = time.Now()
	}
	w.st.clearErr()
}

// Close is the seed's destructor: writer_running_ = false, notify_all,
// join. What is still queued is dropped (and counted); then the file is
// fsynced unless FsyncNever, and closed.
func (w *Unbounded) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	w.running = false
	w.mu.Unlock()
	w.cv.Broadcast()
	<-w.done

	w.mu.Lock()
	var batches, lines uint64
	for _, b := range w.queue {
		batches++
		lines += uint64(bytes.Count(b, []byte{'\n'}))
		w.droppedBytes.Add(uint64(len(b)))
	}
	w.droppedBatch.Add(batches)
	w.droppedLines.Add(lines)
	w.st.lost.Add(batches)
	w.queue, w.queued = nil, 0
	w.publishLocked()
	w.mu.Unlock()

	var err error
	if batches > 0 {
		// the seed drops them silently; the lab says so, so that the loss
		// is seen (the server logs it and exits non-zero)
		err = fmt.Errorf("writer: unbounded: dropped %d acknowledged batches (%d lines) still queued at Close, as the seed's loop does", batches, lines)
	}
	if w.policy != FsyncNever {
		if serr := w.sink.Sync(); serr == nil {
			w.st.syncs.Add(1)
		} else if err == nil {
			err = serr
		}
	}
	if cerr := w.sink.Close(); err == nil {
		err = cerr
	}
	return err
}

// Stats reports the queue (QueueCap 0: unbounded) and the counters;
// dropped batches are in Lost.
func (w *Unbounded) Stats() Stats {
	s := w.st.snapshot()
	s.QueueDepth = int(w.depth.Load())
	return s
}

// UnboundedStats reports the queue's size and peak and what Close dropped.
func (w *Unbounded) UnboundedStats() UnboundedStats {
	return UnboundedStats{
		QueueDepth:     int(w.depth.Load()),
		QueuedBytes:    w.bytesQueued.Load(),
		PeakDepth:      int(w.peakDepth.Load()),
		PeakBytes:      w.peakBytes.Load(),
		DroppedAtClose: w.droppedBatch.Load(),
		DroppedLines:   w.droppedLines.Load(),
		DroppedBytes:   w.droppedBytes.Load(),
	}
}

package writer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatedSink blocks every Write until release is closed, so the queue in
// front of it can only grow: a disk slower than the clients.
type gatedSink struct {
	mu      sync.Mutex
	data    []byte
	writing chan struct{} // a Write has started (buffered, 1)
	release chan struct{}
}

func newGatedSink() *gatedSink {
	return &gatedSink{writing: make(chan struct{}, 1), release: make(chan struct{})}
}

func (s *gatedSink) Write(p []byte) (int, error) {
	select {
	case s.writing <- struct{}{}:
	default:
	}
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = append(s.data, p...)
	return len(p), nil
}
func (s *gatedSink) Sync() error  { return nil }
func (s *gatedSink) Close() error { return nil }

func batchOf(i, lines int) []byte {
	var b []byte
	for l := range lines {
		b = fmt.Appendf(b, `{"name":"b%d-l%d","value":1}`+"\n", i, l)
	}
	return b
}

// TestUnboundedGrowsAndDropsAtClose shows the seed's chapter 8 design:
// behind a stalled disk every Append is acknowledged and the queue grows
// without bound; Close stops the loop after the batch being written and
// drops the rest, all of it acknowledged.
func TestUnboundedGrowsAndDropsAtClose(t *testing.T) {
	sink := newGatedSink()
	w, err := NewUnbounded(Config{Sink: sink, Fsync: FsyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	u := w.(*Unbounded)
	const n, lines = 500, 3
	var total int64
	for i := range n {
		b := batchOf(i, lines)
		total += int64(len(b))
		if err := w.Append(b); err != nil {
			t.Fatalf("Append %d: %v; the seed's queue never refuses", i, err)
		}
		if i == 0 {
			<-sink.writing // the loop holds batch 0 in a stalled write
		}
	}
	first := int64(len(batchOf(0, lines)))
	st := u.UnboundedStats()
	if st.QueueDepth != n-1 || st.QueuedBytes != total-first {
		t.Errorf("queue = %d batches, %d bytes; want %d, %d (every batch but the one being written)", st.QueueDepth, st.QueuedBytes, n-1, total-first)
	}
	if st.PeakDepth != n-1 || w.Stats().QueueCap != 0 {
		t.Errorf("peak depth %d, queue cap %d; want %d, 0 (unbounded)", st.PeakDepth, w.Stats().QueueCap, n-1)
	}

	closed := make(chan error, 1)
	go func() { closed <- w.Close() }()
	// Close has set writer_running_ = false once Append says ErrClosed;
	// the probes acknowledged before that are queued, and dropped too.
	deadline := time.Now().Add(10 * time.Second)
	probe := batchOf(-1, 1)
	probes := 0
	for w.Append(probe) == nil {
		probes++
		if time.Now().After(deadline) {
			t.Fatal("hang: Close did not stop the writer")
		}
		time.Sleep(time.Millisecond)
	}
	close(sink.release)
	if err := <-closed; err == nil || !strings.Contains(err.Error(), "dropped") {
		t.Errorf("Close = %v, want an error saying what it dropped", err)
	}
	st = u.UnboundedStats()
	ws := w.Stats()
	if !bytes.Equal(sink.data, batchOf(0, lines)) {
		t.Errorf("file holds %q; want only batch 0, the one being written at Close", sink.data)
	}
	wantBatches, wantLines := uint64(n-1+probes), uint64((n-1)*lines+probes)
	wantBytes := uint64(total - first + int64(probes*len(probe)))
	if st.DroppedAtClose != wantBatches || st.DroppedLines != wantLines || st.DroppedBytes != wantBytes || ws.Lost != wantBatches {
		t.Errorf("dropped %d batches, %d lines, %d bytes, Lost %d; want %d, %d, %d, %d (acknowledged and dropped)",
			st.DroppedAtClose, st.DroppedLines, st.DroppedBytes, ws.Lost, wantBatches, wantLines, wantBytes, wantBatches)
	}
	if st.QueueDepth != 0 || st.QueuedBytes != 0 {
		t.Errorf("after Close: queue %d batches, %d bytes; want 0", st.QueueDepth, st.QueuedBytes)
	}
	if err := w.Append(batchOf(0, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
}

// TestUnboundedWritesInOrder checks the design where it works: when the
// disk keeps up and Close comes after the queue is empty, every batch is in
// the file, in order, and nothing is dropped.
func TestUnboundedWritesInOrder(t *testing.T) {
	sink := newGatedSink()
	close(sink.release)
	w, err := NewUnbounded(Config{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	var wg sync.WaitGroup
	var mu sync.Mutex // orders Append with want, so want is the file's order
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				b := batchOf(g*1000+i, 2)
				mu.Lock()
				if err := w.Append(b); err != nil {
					t.Errorf("Append: %v", err)
				}
				want = append(want, b...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for w.Stats().Batches < 200 {
		if time.Now().After(deadline) {
			t.Fatalf("hang: %d of 200 batches written", w.Stats().Batches)
		}
		time.Sleep(time.Millisecond)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sink.data, want) {
		t.Errorf("file differs from the batches in Append order (%d vs %d bytes)", len(sink.data), len(want))
	}
	if st := w.(*Unbounded).UnboundedStats(); st.DroppedAtClose != 0 || w.Stats().Lost != 0 {
		t.Errorf("dropped %d, lost %d; want 0 (the queue was empty at Close)", st.DroppedAtClose, w.Stats().Lost)
	}
}

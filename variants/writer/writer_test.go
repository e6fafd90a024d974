package writer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The conformance suite: every test runs against every entry of Variants.

var policies = []FsyncPolicy{FsyncNever, FsyncInterval, FsyncAlways}

func TestConformance(t *testing.T) {
	for _, v := range Variants {
		t.Run("variant="+v.Name, func(t *testing.T) {
			for _, p := range policies {
				t.Run("fsync="+p.String(), func(t *testing.T) {
					t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, v.New, p) })
					t.Run("Closed", func(t *testing.T) { testClosed(t, v.New, p) })
					t.Run("BadBatch", func(t *testing.T) { testBadBatch(t, v.New, p) })
					t.Run("FailingSink/truncate", func(t *testing.T) { testFailingSink(t, v.New, p, true) })
					t.Run("FailingSink/notruncate", func(t *testing.T) { testFailingSink(t, v.New, p, false) })
					t.Run("RealFile", func(t *testing.T) { testRealFile(t, v.New, p) })
				})
			}
			t.Run("FsyncAlwaysSyncsBeforeAck", func(t *testing.T) { testAlwaysSyncsBeforeAck(t, v.New) })
			t.Run("FsyncAlwaysFailingSync", func(t *testing.T) { testAlwaysFailingSync(t, v.New) })
			t.Run("FsyncInterval", func(t *testing.T) { testInterval(t, v.New) })
			t.Run("BadConfig", func(t *testing.T) { testBadConfig(t, v.New) })
		})
	}
}

// batchID names one batch: goroutine g, sequence number b.
type batchID struct{ G, B int }

type testLine struct {
	G, B, L, N int
	Pad        string
}

// batch returns n lines of batch id, each a complete JSON object.
func batch(id batchID, n int) []byte {
	var b []byte
	for l := range n {
		b = fmt.Appendf(b, `{"g":%d,"b":%d,"l":%d,"n":%d,"pad":"%s"}`+"\n", id.G, id.B, l, n, strings.Repeat("x", (id.B+l)%7))
	}
	return b
}

// parseBatches checks that data is complete JSON lines, grouped into whole
// batches whose lines are contiguous and in order, and returns how often
// each batch occurs.
func parseBatches(t *testing.T, data []byte) map[batchID]int {
	t.Helper()
	seen := map[batchID]int{}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("sink ends in a partial line: %q", tailString(data))
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(data) == 0 {
		lines = nil
	}
	for i := 0; i < len(lines); {
		var first testLine
		require.NoError(t, json.Unmarshal(lines[i], &first), "line %d %q is not JSON", i+1, lines[i])
		if first.L != 0 || first.N < 1 || i+first.N > len(lines) {
			t.Fatalf("line %d %q does not start a whole batch", i+1, lines[i])
		}
		for l := 1; l < first.N; l++ {
			var ln testLine
			require.NoError(t, json.Unmarshal(lines[i+l], &ln), "line %d %q is not JSON", i+l+1, lines[i+l])
			if ln.G != first.G || ln.B != first.B || ln.L != l {
				t.Fatalf("line %d %q interleaves batch g=%d b=%d", i+l+1, lines[i+l], first.G, first.B)
			}
		}
		seen[batchID{first.G, first.B}]++
		i += first.N
	}
	return seen
}

func tailString(b []byte) string {
	return string(b[max(len(b)-80, 0):])
}

// fakeSink is an in-memory Sink that records what it got and can be made
// to fail or to block. It cannot truncate; truncSink can.
type fakeSink struct {
	mu        sync.Mutex
	data      []byte
	synced    int // len(data) at the last successful Sync
	syncs     int
	closes    int
	writeErr  error // Write fails while set
	tornOnce  bool  // the next failing Write still takes half of its input
	syncErr   error // Sync fails while set
	attempts  int   // Write calls
	syncCalls chan struct{}

	entered chan struct{} // if set, Write announces itself here, then
	gate    chan struct{} // waits for a receive on gate
}

func newFakeSink() *fakeSink { return &fakeSink{syncCalls: make(chan struct{}, 1)} }

func (f *fakeSink) Write(p []byte) (int, error) {
	if f.entered != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.writeErr != nil {
		n := 0
		if f.tornOnce {
			n = len(p) / 2 // ENOSPC: a short write first, then nothing
			f.tornOnce = false
		}
		f.data = append(f.data, p[:n]...)
		return n, f.writeErr
	}
	f.data = append(f.data, p...)
	return len(p), nil
}

func (f *fakeSink) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.syncErr != nil {
		return f.syncErr
	}
	f.syncs++
	f.synced = len(f.data)
	select {
	case f.syncCalls <- struct{}{}:
	default:
	}
	return nil
}

func (f *fakeSink) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	return nil
}

func (f *fakeSink) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeErr, f.tornOnce = err, true
}

func (f *fakeSink) recover() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeErr = nil
}

func (f *fakeSink) setSyncErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncErr = err
}

func (f *fakeSink) snapshot() (data []byte, syncs, closes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.data), f.syncs, f.closes
}

// syncedContains reports whether b lies in what the last Sync covered.
func (f *fakeSink) syncedContains(b []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Contains(f.data[:f.synced], b)
}

// truncSink is a fakeSink that can cut its end off, as *os.File can.
type truncSink struct{ *fakeSink }

func (s truncSink) Truncate(size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if size < 0 || size > int64(len(s.data)) {
		return fmt.Errorf("truncate %d of %d bytes", size, len(s.data))
	}
	s.data = s.data[:size]
	return nil
}

func (s truncSink) Seek(offset int64, whence int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch whence {
	case io.SeekEnd:
		return int64(len(s.data)) + offset, nil
	case io.SeekStart:
		return offset, nil
	}
	return 0, errors.New("unsupported whence")
}

var _ truncater = truncSink{}

// waitUntil yields until cond holds. It measures no time: a condition
// that never holds is reported by go test's -timeout.
func waitUntil(cond func() bool) {
	for !cond() {
		runtime.Gosched()
	}
}

func mustNew(t *testing.T, newW New, c Config) Writer {
	t.Helper()
	w, err := newW(c)
	require.NoError(t, err)
	return w
}

func testConcurrent(t *testing.T, newW New, p FsyncPolicy) {
	const goroutines, perG = 16, 200
	sink := newFakeSink()
	w := mustNew(t, newW, Config{Sink: sink, Fsync: p, FsyncInterval: time.Millisecond, QueueLen: 64})

	var wg sync.WaitGroup
	var mu sync.Mutex
	want := map[batchID]int{}
	wantBytes, rejected := 0, 0
	for g := range goroutines {
		wg.Go(func() {
			for b := range perG {
				id := batchID{g, b}
				lines := batch(id, 1+(g+b)%5)
				for {
					err := w.Append(lines)
					if errors.Is(err, ErrQueueFull) {
						mu.Lock()
						rejected++
						mu.Unlock()
						runtime.Gosched() // a client retrying after 503
						continue
					}
					if err != nil {
						t.Errorf("Append %v: %v", id, err)
						return
					}
					break
				}
				mu.Lock()
				want[id] = 1
				wantBytes += len(lines)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close(), "Close")

	data, syncs, closes := sink.snapshot()
	got := parseBatches(t, data)
	assert.Equal(t, len(want), len(got), "sink holds %d batches, %d were acknowledged", len(got), len(want))
	for id := range want {
		assert.Equal(t, 1, got[id], "batch %v occurs %d times, want 1", id, got[id])
	}
	assert.Equal(t, 1, closes, "sink closed %d times, want 1", closes)

	st := w.Stats()
	if st.Batches != goroutines*perG || st.Bytes != uint64(wantBytes) || st.Bytes != uint64(len(data)) {
		t.Errorf("Stats Batches %d Bytes %d; want %d batches, %d bytes (sink %d)", st.Batches, st.Bytes, goroutines*perG, wantBytes, len(data))
	}
	assert.Equal(t, uint64(syncs), st.Syncs, "Stats.Syncs = %d, sink saw %d", st.Syncs, syncs)
	switch p {
	case FsyncNever:
		assert.Zero(t, syncs, "FsyncNever: %d fsyncs", syncs)
	case FsyncInterval:
		if syncs < 1 {
			t.Errorf("FsyncInterval: no fsync, not even at Close")
		}
	case FsyncAlways:
		// One per batch (Sync) or per group (Async), plus Close's.
		if syncs < 2 || syncs > goroutines*perG+1 {
			t.Errorf("FsyncAlways: %d fsyncs for %d batches", syncs, goroutines*perG)
		}
	}
	if st.Failed != 0 || st.Lost != 0 || st.LastError != "" || st.QueueDepth != 0 {
		t.Errorf("healthy run: Stats %+v", st)
	}
	assert.Equal(t, uint64(rejected), st.Rejected, "Stats.Rejected = %d, Appends saw %d ErrQueueFull", st.Rejected, rejected)
}

func testClosed(t *testing.T, newW New, p FsyncPolicy) {
	sink := newFakeSink()
	w := mustNew(t, newW, Config{Sink: sink, Fsync: p})
	require.NoError(t, w.Append(batch(batchID{0, 0}, 2)))
	require.NoError(t, w.Close())
	if err := w.Append(batch(batchID{0, 1}, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v, want the first's nil", err)
	}
	data, _, closes := sink.snapshot()
	if got := parseBatches(t, data); len(got) != 1 || closes != 1 {
		t.Errorf("after Close: %d batches, sink closed %d times; want 1, 1", len(got), closes)
	}
	if st := w.Stats(); st.Batches != 1 {
		t.Errorf("Stats.Batches = %d, want 1", st.Batches)
	}
}

func testBadBatch(t *testing.T, newW New, p FsyncPolicy) {
	sink := newFakeSink()
	w := mustNew(t, newW, Config{Sink: sink, Fsync: p})
	for _, b := range []string{"", `{"a":1}`, "{\"a\":1}\n{\"b\""} {
		if err := w.Append([]byte(b)); err == nil || !strings.HasPrefix(err.Error(), "writer: ") {
			t.Errorf("Append(%q) = %v, want a writer: error", b, err)
		}
	}
	require.NoError(t, w.Close())
	if data, _, _ := sink.snapshot(); len(data) != 0 {
		t.Errorf("bad batches reached the sink: %q", data)
	}
}

var errDiskFull = errors.New("no space left on device (injected)")

// testFailingSink: while the sink fails, Appends get the error and nothing
// they carried is acknowledged; the writer reports it and recovers when
// the sink does.
func testFailingSink(t *testing.T, newW New, p FsyncPolicy, truncatable bool) {
	fs := newFakeSink()
	var sink Sink = fs
	if truncatable {
		sink = truncSink{fs}
	}
	w := mustNew(t, newW, Config{Sink: sink, Fsync: p, RetryBackoff: time.Microsecond, QueueLen: 64})

	acked := map[batchID]bool{}
	next := 0
	appendOne := func() error {
		id := batchID{0, next}
		next++
		err := w.Append(batch(id, 1+next%3))
		if err == nil {
			acked[id] = true
		} else if !errors.Is(err, errDiskFull) && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Append %v: unexpected error %v", id, err)
		}
		return err
	}
	for range 5 {
		require.NoError(t, appendOne(), "healthy sink")
	}

	fs.fail(errDiskFull)
	// Sync fails at once; Async under FsyncNever/FsyncInterval acknowledges
	// what it queued before its writer saw the failure, then refuses.
	waitUntil(func() bool { return errors.Is(appendOne(), errDiskFull) })
	for range 3 {
		if err := appendOne(); !errors.Is(err, errDiskFull) {
			t.Fatalf("Append while the sink fails = %v, want the disk error", err)
		}
	}
	st := w.Stats()
	if !strings.Contains(st.LastError, errDiskFull.Error()) || !strings.HasPrefix(st.LastError, "writer: ") {
		t.Errorf("Stats.LastError = %q, want the disk error", st.LastError)
	}
	if st.Failed < 3 {
		t.Errorf("Stats.Failed = %d, want at least 3", st.Failed)
	}

	fs.recover()
	waitUntil(func() bool { return appendOne() == nil })
	// Recovered: no Append gets the disk error again. A full queue is
	// backpressure, not a failure: the batches queued while the writer had
	// not yet seen the failure may still be draining (slowly under -race),
	// so an Append refused as full is tried again.
	for range 5 {
		var err error
		waitUntil(func() bool { err = appendOne(); return !errors.Is(err, ErrQueueFull) })
		require.NoError(t, err, "recovered sink")
	}
	require.NoError(t, w.Close(), "Close")
	st = w.Stats()
	if st.LastError != "" || st.Lost != 0 {
		t.Errorf("after recovery: LastError %q, Lost %d", st.LastError, st.Lost)
	}

	data, _, _ := fs.snapshot()
	got := parseBatches(t, data) // whole batches only, no torn line
	for id := range acked {
		assert.Equal(t, 1, got[id], "acknowledged batch %v occurs %d times, want 1", id, got[id])
	}
	for id, n := range got {
		assert.Equal(t, 1, n, "batch %v occurs %d times", id, n)
		// Without Truncate, a failed batch may be completed whole (see
		// appender); with it, only acknowledged batches are in the sink.
		if truncatable && !acked[id] {
			t.Errorf("batch %v is in the sink but its Append failed", id)
		}
	}
	assert.Equal(t, uint64(len(data)), st.Bytes, "Stats.Bytes = %d, sink holds %d", st.Bytes, len(data))
}

func testRealFile(t *testing.T, newW New, p FsyncPolicy) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	f, err := Open(path, t.Logf)
	require.NoError(t, err)
	w := mustNew(t, newW, Config{Sink: f, Fsync: p, FsyncInterval: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for b := range 50 {
				assert.NoError(t, w.Append(batch(batchID{g, b}, 1+b%5)), "Append")
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	if got := parseBatches(t, data); len(got) != 200 {
		t.Errorf("file holds %d batches, want 200", len(got))
	}
}

func testAlwaysSyncsBeforeAck(t *testing.T, newW New) {
	sink := newFakeSink()
	w := mustNew(t, newW, Config{Sink: sink, Fsync: FsyncAlways})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for b := range 50 {
				lines := batch(batchID{g, b}, 1+b%3)
				if err := w.Append(lines); err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				assert.True(t, sink.syncedContains(lines), "Append returned before batch g=%d b=%d was fsynced", g, b)
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
}

var errSyncFailed = errors.New("fsync: input/output error (injected)")

func testAlwaysFailingSync(t *testing.T, newW New) {
	fs := newFakeSink()
	w := mustNew(t, newW, Config{Sink: truncSink{fs}, Fsync: FsyncAlways})
	ok1, bad, ok2 := batch(batchID{0, 1}, 2), batch(batchID{0, 2}, 2), batch(batchID{0, 3}, 2)
	require.NoError(t, w.Append(ok1))
	fs.setSyncErr(errSyncFailed)
	if err := w.Append(bad); !errors.Is(err, errSyncFailed) {
		t.Fatalf("Append with failing fsync = %v, want the fsync error", err)
	}
	if st := w.Stats(); !strings.Contains(st.LastError, errSyncFailed.Error()) || st.Failed != 1 {
		t.Errorf("Stats after failed fsync: %+v", st)
	}
	fs.setSyncErr(nil)
	require.NoError(t, w.Append(ok2))
	require.NoError(t, w.Close())
	data, _, _ := fs.snapshot()
	if want := string(ok1) + string(ok2); string(data) != want {
		t.Errorf("sink holds\n%s\nwant (the unsynced batch cut back out)\n%s", data, want)
	}
	if st := w.Stats(); st.LastError != "" || st.Batches != 2 {
		t.Errorf("Stats after recovery: %+v", st)
	}
}

func testInterval(t *testing.T, newW New) {
	sink := newFakeSink()
	w := mustNew(t, newW, Config{Sink: sink, Fsync: FsyncInterval, FsyncInterval: time.Millisecond})
	require.NoError(t, w.Append(batch(batchID{0, 0}, 1)))
	<-sink.syncCalls // the background fsync; no Append or Close asked for it
	require.NoError(t, w.Close())
	if _, syncs, _ := sink.snapshot(); syncs < 2 {
		t.Errorf("%d fsyncs, want the interval's and Close's", syncs)
	}
}

func testBadConfig(t *testing.T, newW New) {
	for _, c := range []Config{
		{},
		{Sink: newFakeSink(), Fsync: FsyncPolicy(7)},
		{Sink: newFakeSink(), QueueLen: -1},
	} {
		if w, err := newW(c); err == nil || !strings.HasPrefix(err.Error(), "writer: ") {
			t.Errorf("New(%+v) = %v, %v; want a writer: error", c, w, err)
		}
	}
}

// Async-only behaviour.

func TestAsyncQueueFull(t *testing.T) {
	sink := newFakeSink()
	sink.entered, sink.gate = make(chan struct{}), make(chan struct{})
	w := mustNew(t, NewAsync, Config{Sink: sink, QueueLen: 2})

	b := func(i int) []byte { return batch(batchID{0, i}, 1) }
	require.NoError(t, w.Append(b(0)))
	<-sink.entered // the writer took batch 0 and is blocked in Write
	for i := 1; i <= 2; i++ {
		require.NoError(t, w.Append(b(i)), "Append %d into a queue with room", i)
	}
	if err := w.Append(b(3)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Append into a full queue = %v, want ErrQueueFull", err)
	}
	if st := w.Stats(); st.QueueDepth != 2 || st.QueueCap != 2 || st.Rejected != 1 {
		t.Errorf("Stats with a full queue: %+v", st)
	}

	go func() { // let every later Write through
		for range sink.entered {
			sink.gate <- struct{}{}
		}
	}()
	sink.gate <- struct{}{}
	require.NoError(t, w.Close())
	close(sink.entered)
	data, _, _ := sink.snapshot()
	got := parseBatches(t, data)
	for i := range 3 {
		assert.Equal(t, 1, got[batchID{0, i}], "acknowledged batch %d occurs %d times", i, got[batchID{0, i}])
	}
	assert.Zero(t, got[batchID{0, 3}], "the rejected batch reached the sink")
}

// TestAsyncLostAtClose: acknowledged batches that still cannot be written
// when Close's deadline passes are counted in Stats.Lost and reported by
// Close. What the sink took of the batch is cut back to its last whole
// line: the file never ends in a torn line.
func TestAsyncLostAtClose(t *testing.T) {
	fs := newFakeSink()
	w := mustNew(t, NewAsync, Config{Sink: truncSink{fs}, RetryBackoff: time.Microsecond})
	fs.fail(errDiskFull)
	b := batch(batchID{0, 0}, 2)
	require.NoError(t, w.Append(b), "FsyncNever acknowledges on enqueue")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has passed: one more try, then give up
	err := w.(ContextCloser).CloseContext(ctx)
	require.True(t, errors.Is(err, errDiskFull), "Close = %v, want the disk error", err)
	st := w.Stats()
	if st.Lost != 1 || st.LastError == "" || st.Held != 0 {
		t.Errorf("Stats: %+v; want Lost 1, LastError set, nothing held", st)
	}
	data, _, closes := fs.snapshot()
	if !bytes.HasPrefix(b, data) || (len(data) > 0 && data[len(data)-1] != '\n') || closes != 1 {
		t.Errorf("sink holds %q, closed %d times; want whole lines of %q at most, closed once", data, closes, b)
	}
}

package writer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the writers do when the disk fails, against faultFile: short
// writes, ENOSPC, EIO on write, EIO on fsync then success, and an fsync
// that keeps failing. Every test checks the file holds whole batches, each
// acknowledged one exactly once, and (where the policy fsyncs) that the
// disk image holds them too.

// TestFaultFileDropsPages checks the model the fsync tests rely on: a
// Sync after a failed one succeeds without the bytes of the failure, as
// Linux's does; writing them again puts them back.
func TestFaultFileDropsPages(t *testing.T) {
	f := &faultFile{}
	h := f.open()
	write := func(s string) {
		_, err := h.Write([]byte(s))
		require.NoError(t, err)
	}
	write("a\n")
	require.NoError(t, h.Sync())
	write("b\n")
	f.set(func(f *faultFile) { f.syncErrs = []error{errEIO} })
	require.ErrorIs(t, h.Sync(), syscall.EIO)
	write("c\n")
	require.NoError(t, h.Sync(), "the error is reported once")
	cache, disk := f.contents()
	assert.Equal(t, "a\nb\nc\n", string(cache))
	assert.Equal(t, "a\n\x00\x00c\n", string(disk), "the failed fsync's bytes never reach the disk")

	tr := h.(truncater)
	require.NoError(t, tr.Truncate(2))
	write("b\nc\n")
	require.NoError(t, h.Sync())
	_, disk = f.contents()
	assert.Equal(t, "a\nb\nc\n", string(disk), "rewritten, they do")
}

// acked is the batches a test got nil for, in order.
type acked struct{ ids []batchID }

func (a *acked) add(w Writer, id batchID, lines int) error {
	err := w.Append(batch(id, lines))
	if err == nil {
		a.ids = append(a.ids, id)
	}
	return err
}

// check asserts that data is whole batches holding every acknowledged one
// exactly once and, with only, nothing else.
func (a *acked) check(t *testing.T, what string, data []byte, only bool) {
	t.Helper()
	got := parseBatches(t, data)
	for _, id := range a.ids {
		assert.Equal(t, 1, got[id], "%s: acknowledged batch %v occurs %d times", what, id, got[id])
	}
	if only {
		assert.Equal(t, len(a.ids), len(got), "%s holds %d batches, %d acknowledged", what, len(got), len(a.ids))
	}
}

// TestFsyncFailedThenSucceeds: EIO on one fsync, then fsyncs succeed.
// The writer rewrites what the failed fsync covered through a reopened
// handle, so the disk holds every acknowledged batch; Append under
// FsyncAlways returns nil only after the rewrite's fsync.
func TestFsyncFailedThenSucceeds(t *testing.T) {
	for _, v := range Variants {
		for _, p := range []FsyncPolicy{FsyncInterval, FsyncAlways} {
			t.Run(fmt.Sprintf("variant=%s/fsync=%s", v.Name, p), func(t *testing.T) {
				f := &faultFile{}
				// MaxUnsynced 1: under FsyncInterval every write is
				// fsynced at once, so the failure falls where the test
				// puts it.
				w := mustNew(t, v.New, Config{Sink: f.open(), Fsync: p, FsyncInterval: time.Hour, MaxUnsynced: 1})
				var a acked
				for b := range 3 {
					require.NoError(t, a.add(w, batchID{0, b}, 2))
				}
				waitUntil(func() bool { st := w.Stats(); return st.Batches == 3 && st.Unsynced == 0 })
				f.set(func(f *faultFile) { f.syncErrs = []error{errEIO} })
				for b := 3; b < 6; b++ {
					require.NoError(t, a.add(w, batchID{0, b}, 2), "the rewrite's fsync succeeds, so the batch is acknowledged")
				}
				require.NoError(t, w.Close())
				_, _, failed, reopens := f.counts()
				assert.Equal(t, 1, failed, "failed fsyncs")
				assert.GreaterOrEqual(t, reopens, 1, "rewritten through a reopened handle")
				cache, disk := f.contents()
				a.check(t, "file", cache, true)
				a.check(t, "disk", disk, true)
				st := w.Stats()
				if st.LastError != "" || st.NotDurable != 0 || st.Held != 0 || st.Unsynced != 0 || st.Bytes != uint64(len(cache)) {
					t.Errorf("Stats after recovery: %+v (file %d bytes)", st, len(cache))
				}
			})
		}
	}
}

// TestFsyncFailedOnTick: FsyncInterval's own tick fails; later ticks and
// Close succeed. Without the rewrite the disk would lack the batches of
// the failed interval.
func TestFsyncFailedOnTick(t *testing.T) {
	for _, v := range Variants {
		t.Run("variant="+v.Name, func(t *testing.T) {
			f := &faultFile{}
			f.set(func(f *faultFile) { f.syncErrs = []error{errEIO} })
			w := mustNew(t, v.New, Config{Sink: f.open(), Fsync: FsyncInterval, FsyncInterval: time.Millisecond})
			var a acked
			for b := 0; ; b++ {
				err := a.add(w, batchID{0, b}, 1)
				if _, s, failed, _ := f.counts(); failed == 1 && s >= 1 && b >= 3 {
					break
				}
				if errors.Is(err, ErrQueueFull) {
					runtime.Gosched() // the writer is behind: a client would retry
					continue
				}
				require.NoError(t, err, "one failed fsync, rewritten at once: nothing refused but a full queue")
			}
			require.NoError(t, w.Close())
			cache, disk := f.contents()
			a.check(t, "file", cache, false)
			a.check(t, "disk", disk, false)
		})
	}
}

// TestFsyncKeepsFailing: every fsync fails. Under FsyncAlways nothing is
// acknowledged; under FsyncInterval the batches written before the
// failure were acknowledged and are held, new Appends are refused, and
// Close returns an error counting the batches not made durable. Never a
// nil Close for data in a failed fsync's range.
func TestFsyncKeepsFailing(t *testing.T) {
	failAll := func(f *faultFile) { f.syncFail = errEIO }
	closeSoon := func(w Writer) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		return CloseBy(ctx, w)
	}
	for _, v := range Variants {
		t.Run("variant="+v.Name+"/fsync=always", func(t *testing.T) {
			f := &faultFile{}
			w := mustNew(t, v.New, Config{Sink: f.open(), Fsync: FsyncAlways, RetryBackoff: time.Microsecond})
			var a acked
			require.NoError(t, a.add(w, batchID{0, 0}, 2))
			f.set(failAll)
			for b := 1; b < 4; b++ {
				require.ErrorIs(t, a.add(w, batchID{0, b}, 2), syscall.EIO)
			}
			require.Error(t, closeSoon(w), "Close fsyncs, and that fails")
			_, disk := f.contents()
			a.check(t, "disk", disk, false)
			assert.Equal(t, []batchID{{0, 0}}, a.ids)
		})
		t.Run("variant="+v.Name+"/fsync=interval", func(t *testing.T) {
			f := &faultFile{}
			f.set(failAll)
			w := mustNew(t, v.New, Config{Sink: f.open(), Fsync: FsyncInterval, FsyncInterval: time.Millisecond, RetryBackoff: time.Microsecond})
			var a acked
			require.NoError(t, a.add(w, batchID{0, 0}, 2))
			require.NoError(t, a.add(w, batchID{0, 1}, 3))
			// the tick's fsync fails, and so does every rewrite
			waitUntil(func() bool { return w.Stats().Held > 0 })
			err := w.Append(batch(batchID{0, 2}, 1))
			require.ErrorIs(t, err, syscall.EIO, "refused while what it holds is not durable")
			st := w.Stats()
			if st.Held != 2 || st.HeldBytes != int64(len(batch(batchID{0, 0}, 2))+len(batch(batchID{0, 1}, 3))) || st.LastError == "" {
				t.Errorf("Stats while failing: %+v", st)
			}
			err = closeSoon(w)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "2 acknowledged batches may not be on disk")
			assert.Equal(t, uint64(2), w.Stats().NotDurable)
			cache, _ := f.contents()
			a.check(t, "file", cache, true)
		})
	}
}

// TestFsyncFailedCannotRewrite: a sink that cannot truncate cannot be
// rewritten after a failed fsync: the writer stays refusing and Close
// says so, even though a later fsync would "succeed".
func TestFsyncFailedCannotRewrite(t *testing.T) {
	for _, v := range Variants {
		t.Run("variant="+v.Name, func(t *testing.T) {
			fs := newFakeSink()
			fs.setSyncErr(errSyncFailed)
			w := mustNew(t, v.New, Config{Sink: fs, Fsync: FsyncInterval, FsyncInterval: time.Millisecond, RetryBackoff: time.Microsecond})
			require.NoError(t, w.Append(batch(batchID{0, 0}, 1)))
			waitUntil(func() bool { return w.Stats().Held > 0 })
			fs.setSyncErr(nil) // fsync "works" again; the data of the failed one is still not on disk
			err := w.Append(batch(batchID{0, 1}, 1))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cannot truncate")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			require.Error(t, CloseBy(ctx, w))
			assert.Equal(t, uint64(1), w.Stats().NotDurable)
		})
	}
}

// TestShortWrites: the sink takes part of a write and returns ENOSPC. Sync
// cuts the batch back out and answers the error; Async (FsyncNever) has
// acknowledged it, cuts the file back to the last whole line, holds the
// rest and writes it when the disk has room again.
func TestShortWrites(t *testing.T) {
	for _, v := range Variants {
		for _, p := range policies {
			t.Run(fmt.Sprintf("variant=%s/fsync=%s", v.Name, p), func(t *testing.T) {
				f := &faultFile{}
				w := mustNew(t, v.New, Config{Sink: f.open(), Fsync: p, RetryBackoff: time.Microsecond, FsyncInterval: time.Millisecond})
				var a acked
				for b := range 20 {
					f.set(func(f *faultFile) { f.shortNext = 1 + 13*b })
					_ = a.add(w, batchID{0, b}, 1+b%4)
				}
				require.NoError(t, w.Close())
				cache, disk := f.contents()
				a.check(t, "file", cache, true)
				if p == FsyncAlways {
					a.check(t, "disk", disk, true)
				}
			})
		}
	}
}

// TestWriteEIO: two writes fail with EIO, taking nothing. Sync answers
// them; Async retries its acknowledged group until it lands.
func TestWriteEIO(t *testing.T) {
	for _, v := range Variants {
		for _, p := range policies {
			t.Run(fmt.Sprintf("variant=%s/fsync=%s", v.Name, p), func(t *testing.T) {
				f := &faultFile{}
				w := mustNew(t, v.New, Config{Sink: f.open(), Fsync: p, RetryBackoff: time.Microsecond})
				var a acked
				require.NoError(t, a.add(w, batchID{0, 0}, 2))
				f.set(func(f *faultFile) { f.writeErrs = []error{errEIO, errEIO} })
				errs := 0
				for b := 1; b < 10; b++ {
					if err := a.add(w, batchID{0, b}, 2); err != nil {
						require.ErrorIs(t, err, syscall.EIO)
						errs++
					}
				}
				require.NoError(t, w.Close())
				cache, _ := f.contents()
				a.check(t, "file", cache, true)
				if v.Name == "sync" && errs != 2 {
					t.Errorf("sync: %d Appends failed, want the 2 that met EIO", errs)
				}
				assert.Zero(t, w.Stats().Lost)
			})
		}
	}
}

// TestDiskFullHeldAndBounded: ENOSPC from a full disk. Async (FsyncNever)
// holds the acknowledged group, cut back to its last whole line, refuses
// new batches, and holds no more than its queue; when the disk has room
// the group lands and Appends succeed again. Sync answers every batch the
// disk refuses and recovers on the next write.
func TestDiskFullHeldAndBounded(t *testing.T) {
	for _, v := range Variants {
		t.Run("variant="+v.Name, func(t *testing.T) {
			const queue = 4
			f := &faultFile{capacity: 1000}
			w := mustNew(t, v.New, Config{Sink: f.open(), QueueLen: queue, RetryBackoff: time.Microsecond})
			var a acked
			b := 0
			next := func() error { b++; return a.add(w, batchID{0, b}, 3) }
			for refused := 0; refused < 10; {
				switch err := next(); {
				case errors.Is(err, ErrQueueFull):
					runtime.Gosched() // the writer is behind: a client would retry
				case err != nil:
					require.ErrorIs(t, err, syscall.ENOSPC)
					refused++
				}
			}
			st := w.Stats()
			cache, _ := f.contents()
			if len(cache) > 0 && cache[len(cache)-1] != '\n' {
				t.Fatalf("the file ends in a torn line while the disk is full: %q", tailString(cache))
			}
			if v.Name == "async" {
				if st.Held < 1 || st.Held > queue || st.HeldBytes <= 0 || st.QueueDepth > queue {
					t.Errorf("async while full: Stats %+v; want 1..%d held, the queue within its bound", st, queue)
				}
			} else if st.Held != 0 {
				t.Errorf("sync holds nothing: Stats %+v", st)
			}
			f.set(func(f *faultFile) { f.capacity = 0 })
			waitUntil(func() bool { return next() == nil && w.Stats().Held == 0 })
			require.NoError(t, w.Close())
			cache, _ = f.contents()
			a.check(t, "file", cache, true)
			st = w.Stats()
			if st.Lost != 0 || st.LastError != "" || st.Held != 0 {
				t.Errorf("after space returned: Stats %+v", st)
			}
		})
	}
}

// TestHeldCutBackToWholeLine: while Async retries an acknowledged batch
// the disk took part of, the file holds its whole lines only; when the
// disk has room the rest follows, contiguous.
func TestHeldCutBackToWholeLine(t *testing.T) {
	b := batch(batchID{0, 0}, 3)
	cut := bytes.IndexByte(b, '\n') + 5 // the first line and 5 bytes of the second
	f := &faultFile{capacity: cut}
	w := mustNew(t, NewAsync, Config{Sink: f.open(), RetryBackoff: time.Microsecond})
	require.NoError(t, w.Append(b))
	waitUntil(func() bool { return w.Stats().Held == 1 })
	cache, _ := f.contents()
	assert.Equal(t, string(b[:bytes.IndexByte(b, '\n')+1]), string(cache), "the torn second line is cut back")
	assert.Equal(t, int64(len(b)-len(cache)), w.Stats().HeldBytes, "held: the rest of the batch")
	f.set(func(f *faultFile) { f.capacity = 0 })
	require.NoError(t, w.Close())
	cache, _ = f.contents()
	assert.Equal(t, string(b), string(cache))
}

// TestCloseRetriesUntilDeadline: Async keeps retrying an acknowledged
// batch during Close until its context ends; space returning before then
// saves it.
func TestCloseRetriesUntilDeadline(t *testing.T) {
	f := &faultFile{capacity: 1}
	w := mustNew(t, NewAsync, Config{Sink: f.open(), RetryBackoff: time.Microsecond})
	b := batch(batchID{0, 0}, 2)
	require.NoError(t, w.Append(b))
	waitUntil(func() bool { return w.Stats().Held == 1 })
	closed := make(chan error, 1)
	go func() { closed <- w.(ContextCloser).CloseContext(context.Background()) }()
	waitUntil(func() bool { return w.Append(b) == ErrClosed }) // Close has begun
	tries, _, _, _ := f.counts()
	waitUntil(func() bool { n, _, _, _ := f.counts(); return n > tries+2 }) // and keeps retrying
	f.set(func(f *faultFile) { f.capacity = 0 })
	require.NoError(t, <-closed)
	cache, _ := f.contents()
	assert.Equal(t, string(b), string(cache))
	assert.Zero(t, w.Stats().Lost)
}

// TestSlowSink: the delay applies to every write and Truncate, Seek and
// Reopen reach the file below.
func TestSlowSink(t *testing.T) {
	f := &faultFile{}
	s := NewSlowSink(f.open(), time.Millisecond)
	var slept []time.Duration
	s.sleep = func(d time.Duration) { slept = append(slept, d) }
	for range 3 {
		_, err := s.Write([]byte("x\n"))
		require.NoError(t, err)
	}
	assert.Equal(t, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}, slept, "every write waits the delay")
	require.NoError(t, s.Truncate(2))
	end, err := s.Seek(0, 2)
	require.NoError(t, err)
	assert.Equal(t, int64(2), end)
	ns, err := s.Reopen()
	require.NoError(t, err)
	require.IsType(t, &SlowSink{}, ns)
	_, err = ns.Write([]byte("y\n"))
	require.NoError(t, err)
	assert.Len(t, slept, 4, "the reopened sink keeps the delay")
	_, _, _, reopens := f.counts()
	assert.Equal(t, 1, reopens)
	noTrunc := NewSlowSink(newFakeSink(), 0)
	assert.ErrorIs(t, noTrunc.Truncate(0), errNoTruncate)
	_, err = noTrunc.Reopen()
	assert.True(t, errors.Is(err, errNoReopen), "%v", err)
	assert.True(t, strings.HasPrefix(errNoReopen.Error(), "writer: "))
}

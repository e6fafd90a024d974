package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/variants/writer"
)

// syncBuffer is a goroutine-safe log destination.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) count(msg string) int { return strings.Count(s.String(), msg) }

func health(t *testing.T, c *client) Health {
	t.Helper()
	r := c.do("GET", "/health", "", "")
	var h Health
	if r.status != 200 || json.Unmarshal(r.body, &h) != nil {
		t.Fatalf("GET /health = %d %s", r.status, r.body)
	}
	return h
}

func postOne(c *client, name string) response {
	return c.do("POST", "/metrics", "w", `{"metrics":[{"name":"`+name+`","value":1}]}`)
}

// TestWriteErrors: for both writers and the fsync policies that decide
// when a batch is acknowledged, a failing sink gets 503 with Retry-After
// (never a 2xx for data not written), /health says "degraded" with the
// error, the fault is logged once, and 200s resume when the sink recovers.
// Every 2xx is in the file in the end, and nothing else.
func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		writer string
		fsync  writer.FsyncPolicy
	}{
		{"sync", writer.FsyncNever}, {"sync", writer.FsyncAlways},
		{"async", writer.FsyncNever}, {"async", writer.FsyncAlways},
	} {
		t.Run(fmt.Sprintf("writer=%s/fsync=%s", tc.writer, tc.fsync), func(t *testing.T) {
			t.Parallel()
			sink := &failingSink{}
			logs := &syncBuffer{}
			ts := start(t, "writer="+tc.writer, func(c *Config) {
				c.Sink, c.Fsync = sink, tc.fsync
				c.Logger = slog.New(slog.NewTextHandler(logs, nil))
			})
			c := dial(t, ts.addr)
			acked := []string{}
			if r := postOne(c, "before"); r.status != 200 {
				t.Fatalf("healthy POST = %d", r.status)
			}
			acked = append(acked, "before")
			// The async writer under fsync=never acknowledges on enqueue:
			// let the healthy batch reach the sink before it starts
			// failing, or its failed write is what the next POST meets.
			eventually(t, hangLimit, "the healthy batch never reached the sink", func() bool { return health(t, c).Writer.Batches >= 1 })

			sink.set(true)
			if tc.writer == "async" && tc.fsync == writer.FsyncNever {
				// Acknowledged once queued (the variant's documented
				// contract): the writer keeps it and retries it until the
				// sink recovers; meanwhile it refuses new batches.
				if r := postOne(c, "queued"); r.status != 200 {
					t.Fatalf("POST queued before the failure was seen = %d %s", r.status, r.body)
				}
				acked = append(acked, "queued")
				eventually(t, hangLimit, "/health never said degraded", func() bool { return health(t, c).Status == "degraded" })
				// the batch it holds and retries, bounded by the queue
				if h := health(t, c); h.Writer.Held != 1 || h.Writer.HeldBytes <= 0 || !strings.Contains(h.Error, "holding 1 acknowledged batches") {
					t.Fatalf("/health while holding the acknowledged batch = %+v", h)
				}
			}
			for i := range 5 {
				r := postOne(c, fmt.Sprint("failed", i))
				if r.status != 503 || r.header.Get("Retry-After") == "" {
					t.Fatalf("POST on a failing sink = %d %s, want 503 with Retry-After", r.status, r.body)
				}
				checkError(t, r, "no space left on device")
			}
			h := health(t, c)
			if h.Status != "degraded" || !strings.Contains(h.Error, "no space left on device") {
				t.Fatalf("/health while failing = %+v", h)
			}
			if n := logs.count("storage failing"); n != 1 {
				t.Errorf("%d 'storage failing' log lines for one outage, want 1:\n%s", n, logs)
			}

			sink.set(false)
			// The async writer retries its kept group with a backoff; the
			// others recover on the next write.
			eventually(t, hangLimit, "no 200 after the sink recovered", func() bool {
				r := postOne(c, "after")
				if r.status == 200 {
					acked = append(acked, "after")
					return true
				}
				require.Equal(t, 503, r.status, "POST while recovering")
				return false
			})
			if h := health(t, c); h.Status != "ok" {
				t.Fatalf("/health after recovery = %+v", h)
			}
			if n := logs.count("storage recovered"); n != 1 {
				t.Errorf("%d 'storage recovered' log lines, want 1:\n%s", n, logs)
			}
			require.NoError(t, ts.stop())
			var got []string
			for _, l := range strings.SplitAfter(sink.buf.String(), "\n") {
				if l == "" {
					continue
				}
				var m struct{ Name string }
				if !strings.HasSuffix(l, "\n") || json.Unmarshal([]byte(l), &m) != nil {
					t.Fatalf("bad line %q", l)
				}
				got = append(got, m.Name)
			}
			require.Equal(t, fmt.Sprint(acked), fmt.Sprint(got), "file has %v, acknowledged %v", got, acked)
		})
	}
}

// TestAsyncLossReported: if the sink is still failing when shutdown's
// deadline passes, the async writer (FsyncNever) drops the acknowledged
// batch it kept; the server does not hide it: Shutdown returns the error,
// the log says how many batches were lost, and the writer's stats count
// them.
func TestAsyncLossReported(t *testing.T) {
	sink := &failingSink{}
	logs := &syncBuffer{}
	ts := start(t, "writer=async", func(c *Config) {
		c.Sink = sink
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	ts.stopErrOK = true                  // the error this test expects
	ts.stopWait = 100 * time.Millisecond // the writer retries until then
	c := dial(t, ts.addr)
	sink.set(true)
	if r := postOne(c, "doomed"); r.status != 200 {
		t.Fatalf("POST = %d", r.status)
	}
	eventually(t, hangLimit, "/health never said degraded", func() bool { return health(t, c).Status == "degraded" })
	err := ts.stop()
	if err == nil || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("Shutdown = %v, want the loss reported", err)
	}
	if st := ts.writer.Stats(); st.Lost != 1 {
		t.Fatalf("writer lost %d batches, want 1", st.Lost)
	}
	if !strings.Contains(logs.String(), "writer close failed") || !strings.Contains(logs.String(), "lost_batches=1") {
		t.Fatalf("loss not logged:\n%s", logs)
	}
}

// smallDisk is a sink of capacity bytes that fails like a full disk
// (short write, ENOSPC); used where no real small filesystem can be
// mounted. It can truncate, like *os.File, so a failed write is cut back.
type smallDisk struct {
	mu       sync.Mutex
	capacity int
	buf      []byte
}

func (d *smallDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := min(len(p), d.capacity-len(d.buf))
	d.buf = append(d.buf, p[:n]...)
	if n < len(p) {
		return n, &os.PathError{Op: "write", Path: "smalldisk", Err: syscall.ENOSPC}
	}
	return n, nil
}

func (d *smallDisk) Truncate(size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.buf = d.buf[:size]
	return nil
}

func (d *smallDisk) Seek(offset int64, whence int) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case whence == io.SeekEnd && offset == 0:
		return int64(len(d.buf)), nil
	case whence == io.SeekStart && offset == int64(len(d.buf)):
		return offset, nil // it always appends
	}
	return 0, fmt.Errorf("smallDisk: Seek(%d, %d) is not at the end", offset, whence)
}

func (d *smallDisk) Sync() error  { return nil }
func (d *smallDisk) Close() error { return nil }

// TestDiskFull fills a real 256 KiB tmpfs (we run as root; where mount is
// refused it falls back to smallDisk and says why) through the server, for
// both writers: 503 once the disk is full, never a 2xx for a batch not
// written, /health degraded with ENOSPC, and 200s again once space returns.
// Afterwards the file holds exactly the acknowledged metrics, whole lines.
func TestDiskFull(t *testing.T) {
	for _, w := range []string{"sync", "async"} {
		t.Run("writer="+w, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "small")
			require.NoError(t, os.Mkdir(dir, 0o755))
			var (
				sink      writer.Sink
				data      string
				free      func()
				fileLines func() []string
			)
			if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
				t.Logf("mount tmpfs: %v; using an in-memory 256 KiB disk instead", err)
				d := &smallDisk{capacity: 256 << 10 * 3 / 4}
				sink, free = d, func() { d.mu.Lock(); d.capacity = 256 << 10; d.mu.Unlock() }
				fileLines = func() []string {
					s := string(d.buf)
					if s != "" && !strings.HasSuffix(s, "\n") {
						t.Fatalf("partial last line %q", s[max(0, len(s)-80):])
					}
					return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
				}
			} else {
				t.Cleanup(func() {
					assert.NoError(t, syscall.Unmount(dir, 0), "unmount")
				})
				// A filler takes a quarter of the space; deleting it is
				// "space returns".
				filler := filepath.Join(dir, "filler")
				require.NoError(t, os.WriteFile(filler, make([]byte, 64<<10), 0o644))
				data = filepath.Join(dir, "metrics.jsonl")
				f, err := writer.Open(data, t.Logf)
				require.NoError(t, err)
				sink, free = f, func() {
					require.NoError(t, os.Remove(filler))
				}
				fileLines = func() []string { return lines(t, data) }
			}
			ts := start(t, "writer="+w, func(c *Config) { c.Sink = sink })
			c := dial(t, ts.addr)
			batch := metricsN(20) // 20 lines, ~1.2 KiB
			acked, full := 0, false
			for i := 0; i < 2000 && !full; i++ {
				r := c.do("POST", "/metrics", "disk", batch)
				switch r.status {
				case 200:
					acked += 20
				case 503:
					checkError(t, r, "no space left on device")
					full = true
				default:
					t.Fatalf("POST = %d %s", r.status, r.body)
				}
			}
			require.True(t, full, "the disk never filled")
			h := health(t, c)
			if h.Status != "degraded" || !strings.Contains(h.Error, "no space left on device") {
				t.Fatalf("/health on a full disk = %+v", h)
			}
			for range 3 {
				if r := c.do("POST", "/metrics", "disk", batch); r.status != 503 {
					t.Fatalf("POST on a full disk = %d", r.status)
				}
			}
			t.Logf("disk full after %d acknowledged metrics", acked)
			free()
			eventually(t, hangLimit, "no 200 after space returned", func() bool {
				r := c.do("POST", "/metrics", "disk", batch)
				if r.status == 200 {
					acked += 20
				}
				return r.status == 200
			})
			require.NoError(t, ts.stop())
			if n := len(fileLines()); n != acked {
				t.Fatalf("file has %d lines, %d metrics were acknowledged", n, acked)
			}
		})
	}
}

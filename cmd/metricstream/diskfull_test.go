package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// diskRoom is the room the data file has while the disk is "full".
const diskRoom = 256 << 10

// fullDisk is one way of filling the data file's disk under a running
// server and giving the room back.
type fullDisk struct {
	name string
	// setUp returns the data file to start the server on, or skips.
	setUp func(t *testing.T) (data string)
	// fill limits the server (pid, writing data) to its room; free gives
	// room back.
	fill, free func(t *testing.T, pid int, data string)
	errText    string // what a 503 says while the disk refuses
}

var fullDisks = []fullDisk{
	{
		// RLIMIT_FSIZE on the server process (no mount, no root): writes
		// past it return EFBIG, the first one short.
		name:  "rlimit",
		setUp: func(t *testing.T) string { return filepath.Join(t.TempDir(), "metrics.jsonl") },
		fill: func(t *testing.T, pid int, _ string) {
			var old unix.Rlimit
			require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, nil, &old))
			require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: diskRoom, Max: old.Max}, nil))
		},
		free: func(t *testing.T, pid int, _ string) {
			var old unix.Rlimit
			require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, nil, &old))
			require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: old.Max, Max: old.Max}, nil))
		},
		errText: "file too large",
	},
	{
		// A real 256 KiB tmpfs (root only), 150 KiB of it taken by a filler
		// that is deleted to give room back.
		name: "tmpfs",
		setUp: func(t *testing.T) string {
			dir := filepath.Join(t.TempDir(), "small")
			require.NoError(t, os.Mkdir(dir, 0o755))
			if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", diskRoom)); err != nil {
				t.Skipf("mount a 256 KiB tmpfs: %v (needs root; the rlimit case covers the same path without)", err)
			}
			t.Cleanup(func() { assert.NoError(t, syscall.Unmount(dir, 0), "unmount") })
			require.NoError(t, os.WriteFile(filepath.Join(dir, "filler"), make([]byte, 150<<10), 0o644))
			return filepath.Join(dir, "metrics.jsonl")
		},
		fill: func(*testing.T, int, string) {},
		free: func(t *testing.T, _ int, data string) {
			require.NoError(t, os.Remove(filepath.Join(filepath.Dir(data), "filler")))
		},
		errText: "no space left on device",
	},
}

// TestDiskFullRealBinary: the built server (optimized, whose writer is
// async, and the same with writer=sync) on a disk that fills under a
// keep-alive client posting 10-metric batches: 503 with Retry-After and
// "storage unavailable" once it is full, /health degraded, 200 again
// within a second of the room returning, and after SIGTERM exit 0 with
// every acknowledged metric in the file once, whole lines only.
func TestDiskFullRealBinary(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{"optimized", "writer=sync"} {
		bin := build(t, dir, spec)
		for _, d := range fullDisks {
			t.Run(fmt.Sprintf("variant=%s/disk=%s", spec, d.name), func(t *testing.T) {
				data := d.setUp(t)
				p := launch(t, bin, "-data", data, "-rate-limit", "0")
				p.data = data
				pid := p.cmd.Process.Pid
				d.fill(t, pid, data)
				checkDiskFull(t, p, d.errText, func() { d.free(t, pid, data) })
			})
		}
	}
}

func checkDiskFull(t *testing.T, p *proc, errText string, free func()) {
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
	var acked []int
	seq := 0
	post := func() (int, http.Header, string) {
		t.Helper()
		seq++
		var b strings.Builder
		b.WriteString(`{"metrics":[`)
		for i := range 10 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":"m.%d.%d","value":%d,"tags":{"host":"web-01"}}`, seq, i, i)
		}
		b.WriteString(`]}`)
		resp, err := c.Post("http://"+p.addr+"/metrics", "application/json", strings.NewReader(b.String()))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			acked = append(acked, seq)
		}
		return resp.StatusCode, resp.Header, string(body)
	}
	refused := 0
	for i := 0; i < 20000 && refused < 20; i++ {
		code, hdr, body := post()
		switch code {
		case 200:
		case 503:
			refused++
			if hdr.Get("Retry-After") == "" || !strings.Contains(body, "storage unavailable") || !strings.Contains(body, errText) {
				t.Fatalf("503 while the disk is full: Retry-After %q, body %s", hdr.Get("Retry-After"), body)
			}
		default:
			t.Fatalf("POST = %d %s", code, body)
		}
	}
	require.Equal(t, 20, refused, "the disk never filled (%d acknowledged)", len(acked))
	resp, err := c.Get("http://" + p.addr + "/health")
	require.NoError(t, err)
	var h struct{ Status, Error string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	resp.Body.Close()
	if h.Status != "degraded" || !strings.Contains(h.Error, errText) {
		t.Fatalf("/health on a full disk: %+v", h)
	}

	free()
	back := time.Now()
	for {
		code, _, body := post()
		if code == 200 {
			break
		}
		require.Equal(t, 503, code, "POST after room returned: %s", body)
		// a bound on behaviour with a wide margin (the writer retries at
		// least every 250 ms), not a speed measurement
		require.Less(t, time.Since(back), time.Second, "no 200 within 1 s of the room returning")
	}
	for range 20 {
		code, _, body := post()
		require.Equal(t, 200, code, "POST after recovery: %s", body)
	}

	p.stop(t) // exit 0 after SIGTERM
	names := map[string]int{}
	f, err := os.Open(p.data)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Name string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "not a whole JSON line: %q", sc.Text())
		names[m.Name]++
	}
	require.NoError(t, sc.Err())
	missing := 0
	for _, s := range acked {
		for i := range 10 {
			switch n := names[fmt.Sprintf("m.%d.%d", s, i)]; {
			case n == 0:
				missing++
			case n > 1:
				t.Errorf("metric m.%d.%d is in the file %d times", s, i, n)
			}
		}
	}
	assert.Zero(t, missing, "%d of %d acknowledged metrics missing from the file", missing, 10*len(acked))
	assert.Equal(t, 10*len(acked), len(names), "the file holds %d metrics, %d were acknowledged", len(names), 10*len(acked))
	t.Logf("%d metrics acknowledged, %d requests refused while full, all in the file", 10*len(acked), refused)
}

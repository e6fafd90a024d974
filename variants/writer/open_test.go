package writer

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpen(t *testing.T) {
	long := bytes.Repeat([]byte("y"), 200<<10) // a torn line longer than Open's read chunk
	for _, tc := range []struct {
		name      string
		before    []byte // nil: no file
		want      string // content after Open
		wantLog   string // substring of the log line, "" for no log
		wantNoLog bool
	}{
		{name: "missing", before: nil, want: "", wantNoLog: true},
		{name: "empty", before: []byte{}, want: "", wantNoLog: true},
		{name: "whole", before: []byte("{\"a\":1}\n{\"b\":2}\n"), want: "{\"a\":1}\n{\"b\":2}\n", wantNoLog: true},
		{name: "torn", before: []byte("{\"a\":1}\n{\"b\":2}\n{\"c\""), want: "{\"a\":1}\n{\"b\":2}\n", wantLog: `removed 4 bytes at offset 16, starting "{\"c\""`},
		{name: "only-torn", before: []byte(`{"a":1`), want: "", wantLog: "removed 6 bytes at offset 0"},
		{name: "long-torn", before: append([]byte("{\"a\":1}\n"), long...), want: "{\"a\":1}\n", wantLog: fmt.Sprintf("removed %d bytes at offset 8", len(long))},
		{name: "long-no-newline", before: long, want: "", wantLog: fmt.Sprintf("removed %d bytes at offset 0", len(long))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			if tc.before != nil {
				require.NoError(t, os.WriteFile(path, tc.before, 0o644))
			}
			var logs []string
			f, err := Open(path, func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) })
			require.NoError(t, err)
			// The file is opened for appending: new lines go after the kept ones.
			if _, err := f.WriteString("{\"new\":1}\n"); err != nil {
				t.Fatal(err)
			}
			require.NoError(t, f.Close())
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			if want := tc.want + "{\"new\":1}\n"; string(got) != want {
				t.Errorf("file = %q, want %q", tailString(got), want)
			}
			switch {
			case tc.wantNoLog && len(logs) != 0:
				t.Errorf("logged %q for a file that needed no repair", logs)
			case tc.wantLog != "" && (len(logs) != 1 || !strings.Contains(logs[0], tc.wantLog)):
				t.Errorf("log = %q, want one line containing %q", logs, tc.wantLog)
			}
			if len(logs) == 1 && len(logs[0]) > 400 {
				t.Errorf("log line is %d bytes; the cut bytes must be quoted bounded", len(logs[0]))
			}
		})
	}
}

func TestOpenMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	f, err := Open(path, nil)
	require.NoError(t, err)
	defer f.Close()
	fi, err := f.Stat()
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644&^0o022), fi.Mode().Perm()&^0o022, "mode %v, want 0644 (less umask)", fi.Mode().Perm())
	if _, err := f.Read(make([]byte, 1)); err == nil {
		t.Errorf("file opened readable, want write-only")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, nil); err == nil || !strings.HasPrefix(err.Error(), "writer: ") {
		t.Errorf("Open(a directory) = %v, want a writer: error", err)
	}
	if _, err := Open(filepath.Join(dir, "missing", "m.jsonl"), nil); err == nil || !strings.HasPrefix(err.Error(), "writer: ") {
		t.Errorf("Open(in a missing directory) = %v, want a writer: error", err)
	}
}

// shortFile is a real file opened by Open whose next Write, once armed,
// writes half of its input and fails, as a disk filling up does.
type shortFile struct {
	*os.File
	armed bool
}

func (f *shortFile) Write(p []byte) (int, error) {
	if f.armed {
		f.armed = false
		n, _ := f.File.Write(p[:len(p)/2])
		return n, errDiskFull
	}
	return f.File.Write(p)
}

// TestShortWriteTruncatesRealFile: a short write into the file from Open
// is cut back out with Seek and Truncate, on a real O_APPEND file.
func TestShortWriteTruncatesRealFile(t *testing.T) {
	for _, v := range Variants {
		t.Run("variant="+v.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			f, err := Open(path, nil)
			require.NoError(t, err)
			sf := &shortFile{File: f}
			w := mustNew(t, v.New, Config{Sink: sf, Fsync: FsyncAlways})
			ok1, bad, ok2 := batch(batchID{0, 1}, 3), batch(batchID{0, 2}, 3), batch(batchID{0, 3}, 3)
			require.NoError(t, w.Append(ok1))
			sf.armed = true // only the writer touches sf from here until Append returns
			if err := w.Append(bad); err == nil {
				t.Fatal("Append over a short write succeeded")
			}
			require.NoError(t, w.Append(ok2))
			require.NoError(t, w.Close())
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			if want := string(ok1) + string(ok2); string(got) != want {
				t.Errorf("file = %q\nwant %q", got, want)
			}
		})
	}
}

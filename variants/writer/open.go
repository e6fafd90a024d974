package writer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Open opens the JSON Lines file at path for appending, creating it (0644)
// if needed, after repairing a torn last line: a crash (kill -9, power
// loss) in the middle of a write can leave the file ending in part of a
// line. If the file is non-empty and does not end in '\n', Open truncates
// it to just after its last '\n' (or to empty), fsyncs the repair and says
// through logf (if not nil) how many bytes it cut and how they began.
// Complete lines are never touched, so the next start can always read the
// file (promise 4 of docs/faults.md).
//
// A file Open creates has its directory fsynced too, so that under
// FsyncAlways not only the lines but the file itself survives a power loss.
func Open(path string, logf func(format string, args ...any)) (*os.File, error) {
	existed, err := repairTail(path, logf)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	if !existed {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("writer: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("writer: fsync %s: %w", dir, err)
	}
	return nil
}

// repairTail truncates a torn last line of the file at path, if any, and
// reports whether the file existed.
func repairTail(path string, logf func(format string, args ...any)) (existed bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("writer: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return true, fmt.Errorf("writer: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return true, fmt.Errorf("writer: %s is not a regular file", path)
	}
	size := fi.Size()
	if size == 0 {
		return true, nil
	}
	keep, err := afterLastNewline(f, size)
	if err != nil {
		return true, fmt.Errorf("writer: reading %s: %w", path, err)
	}
	if keep == size {
		return true, nil
	}
	cut := make([]byte, min(size-keep, 64))
	if _, err := f.ReadAt(cut, keep); err != nil {
		return true, fmt.Errorf("writer: reading %s: %w", path, err)
	}
	if err := f.Truncate(keep); err != nil {
		return true, fmt.Errorf("writer: repairing torn last line: %w", err)
	}
	if err := f.Sync(); err != nil {
		return true, fmt.Errorf("writer: repairing torn last line: %w", err)
	}
	if logf != nil {
		logf("writer: %s: repaired torn last line: removed %d bytes at offset %d, starting %q", path, size-keep, keep, cut)
	}
	return true, nil
}

// afterLastNewline returns the offset just after the last '\n' of the
// size bytes of r, or 0 if there is none. It reads backwards in chunks.
func afterLastNewline(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		start := max(end-int64(len(buf)), 0)
		b := buf[:end-start]
		if _, err := r.ReadAt(b, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

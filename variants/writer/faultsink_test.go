package writer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
)

// faultFile is an in-memory file with a page cache and a disk, and faults
// to inject, for the tests of what the writers do when the disk fails.
// Its fsync behaves as Linux's after a writeback error: a failed Sync
// marks the dirty bytes clean without writing them (the kernel dropped or
// cleaned the pages it could not write) and reports the error once, so a
// later successful Sync does not write them either: they stay missing on
// disk (zeros) unless they are written again. A writer that fsyncs again
// after a failure and calls the data durable is caught by comparing the
// disk with what it acknowledged (TestFaultFileDropsPages).
type faultFile struct {
	mu       sync.Mutex
	cache    []byte // the file as read(2) sees it
	disk     []byte // the file as it would be after a power loss
	dirty    int    // cache[dirty:] is dirty (written since the last writeback)
	capacity int    // bytes the disk holds at most (0: unlimited): writes past it are short, then ENOSPC

	writeErrs []error // the next Writes fail with these, one each, taking nothing
	shortNext int     // the next Write takes at most this many bytes, then returns ENOSPC (0: off)
	syncErrs  []error // the next Syncs fail with these, one each (dropping the dirty bytes)
	syncFail  error   // every Sync fails with it while set (after syncErrs)
	reopenErr error   // Reopen fails with it while set
	noReopen  bool    // handles are not Reopeners (plain truncatable sinks)

	writes, syncs, failedSyncs, reopens, opens int
}

// faultHandle is one open descriptor of a faultFile.
type faultHandle struct {
	f      *faultFile
	closed bool
}

// plainHandle is a handle without Reopen.
type plainHandle struct{ *faultHandle }

func (f *faultFile) open() Sink {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	h := &faultHandle{f: f}
	if f.noReopen {
		return plainHandle{h}
	}
	return h
}

var (
	errEIO    = &fsError{"input/output error (injected)", syscall.EIO}
	errNoRoom = &fsError{"no space left on device (injected)", syscall.ENOSPC}
)

type fsError struct {
	msg string
	no  syscall.Errno
}

func (e *fsError) Error() string        { return e.msg }
func (e *fsError) Is(target error) bool { return target == e.no }

func (h *faultHandle) Write(p []byte) (int, error) {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if h.closed {
		return 0, errors.New("write on a closed handle")
	}
	f.writes++
	if len(f.writeErrs) > 0 {
		err := f.writeErrs[0]
		f.writeErrs = f.writeErrs[1:]
		return 0, err
	}
	n, err := len(p), error(nil)
	if f.shortNext > 0 && n > f.shortNext {
		n, err = f.shortNext, errNoRoom
		f.shortNext = 0
	}
	if f.capacity > 0 && len(f.cache)+n > f.capacity {
		n, err = max(0, f.capacity-len(f.cache)), errNoRoom
	}
	f.cache = append(f.cache, p[:n]...)
	return n, err
}

func (h *faultHandle) Sync() error {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if h.closed {
		return errors.New("sync on a closed handle")
	}
	if len(f.syncErrs) > 0 || f.syncFail != nil {
		err := f.syncFail
		if len(f.syncErrs) > 0 {
			err = f.syncErrs[0]
			f.syncErrs = f.syncErrs[1:]
		}
		f.failedSyncs++
		f.dirty = len(f.cache) // the pages are clean now, and not on disk
		return err
	}
	f.syncs++
	d := make([]byte, len(f.cache))
	copy(d, f.disk[:min(len(f.disk), len(d))])
	if f.dirty < len(d) {
		copy(d[f.dirty:], f.cache[f.dirty:])
	}
	f.disk, f.dirty = d, len(f.cache)
	return nil
}

func (h *faultHandle) Close() error {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	if h.closed {
		return errors.New("closed twice")
	}
	h.closed = true
	return nil
}

func (h *faultHandle) Truncate(size int64) error {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if size < 0 || size > int64(len(f.cache)) {
		return fmt.Errorf("truncate %d of %d bytes", size, len(f.cache))
	}
	f.cache = f.cache[:size]
	f.dirty = min(f.dirty, int(size))
	return nil
}

func (h *faultHandle) Seek(offset int64, whence int) (int64, error) {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	switch whence {
	case io.SeekEnd:
		return int64(len(f.cache)) + offset, nil
	case io.SeekStart:
		return offset, nil
	}
	return 0, errors.New("unsupported whence")
}

func (h *faultHandle) Reopen() (Sink, error) {
	f := h.f
	f.mu.Lock()
	err := f.reopenErr
	if err == nil {
		f.reopens++
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return f.open(), nil
}

// set changes the faults under the lock.
func (f *faultFile) set(fn func(f *faultFile)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// contents returns the page cache (what the file holds) and the disk
// (what survives a power loss).
func (f *faultFile) contents() (cache, disk []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.cache), bytes.Clone(f.disk)
}

// counts returns how many Writes, successful and failed Syncs and Reopens
// the file saw.
func (f *faultFile) counts() (writes, syncs, failedSyncs, reopens int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes, f.syncs, f.failedSyncs, f.reopens
}

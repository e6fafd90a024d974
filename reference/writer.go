package reference

import (
	"bufio"
	"sync"
)

// fileWriter is a bufio.Writer over the data file, flushed (and, with
// fsync always, synced) per request under one mutex: a batch is on disk (or
// in the page cache) before its request is acknowledged.
type fileWriter struct {
	mu   sync.Mutex
	bw   *bufio.Writer // guarded by mu
	sync func() error  // nil unless fsync always
}

func (w *fileWriter) write(lines []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.bw.Write(lines); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	if w.sync != nil {
		return w.sync()
	}
	return nil
}

func (w *fileWriter) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bw.Flush()
}

package load

import (
	"sync"
	"time"

	"metricstream/harness/results"
)

// Windows counts a run's requests per short window of their send time
// (Result.Attempt), from a start it may share with other runs: two arms
// run at the same time (a duet) and counted from one start have windows
// that cover the same instants, so their ratio window by window compares
// them under the same machine conditions. A request counts in the window
// it was begun in, answered then or later; every window from the start to
// the last request is kept, empty ones too. Add it to a run with Tee.
type Windows struct {
	start time.Time
	width time.Duration
	shard [shards]struct {
		mu        sync.Mutex
		sent, ok2 []int64 // guarded by mu; index: window
		_         [64]byte
	}
}

// NewWindows counts from start in windows of width (> 0).
func NewWindows(start time.Time, width time.Duration) *Windows {
	if width <= 0 {
		panic("load: windows need a width > 0")
	}
	return &Windows{start: start, width: width}
}

// Add implements Recorder.
func (w *Windows) Add(r *Result) {
	at := r.Attempt
	if at.IsZero() {
		at = r.Intended
	}
	i := max(0, int(at.Sub(w.start)/w.width)) // a request begun a hair before start counts in the first
	s := &w.shard[uint(r.Client)%shards]
	s.mu.Lock()
	for len(s.sent) <= i {
		s.sent, s.ok2 = append(s.sent, 0), append(s.ok2, 0)
	}
	s.sent[i]++
	if r.Class == Class2xx {
		s.ok2[i]++
	}
	s.mu.Unlock()
}

// Len is the number of windows up to the last one a request was begun in.
func (w *Windows) Len() int {
	n := 0
	for i := range w.shard {
		s := &w.shard[i]
		s.mu.Lock()
		n = max(n, len(s.sent))
		s.mu.Unlock()
	}
	return n
}

// Windows returns the first n windows (at least Len: pass the largest
// Len of the runs compared, so that every run has the same windows),
// their StartNS from start.
func (w *Windows) Windows(n int) []results.Window {
	n = max(n, w.Len())
	out := make([]results.Window, n)
	for i := range out {
		out[i].StartNS = int64(i) * int64(w.width)
	}
	for i := range w.shard {
		s := &w.shard[i]
		s.mu.Lock()
		for j := range s.sent {
			out[j].Sent += s.sent[j]
			out[j].Status2xx += s.ok2[j]
		}
		s.mu.Unlock()
	}
	return out
}

package writer

import "time"

// SlowSink is a Sink whose every Write waits Delay before it reaches the
// sink below: a slow disk (the lab's disk-slow scenario, the server's
// -write-delay flag). Each variant pays it per write(2) it makes: Sync once
// per batch, on the request path and under its mutex; Async once per group,
// in its background goroutine; the seed's unbounded queue once per batch,
// while its queue grows. Truncate, Seek and Reopen reach the sink below
// (Reopen keeps the delay), so the writers' failure handling is the same
// as without it.
type SlowSink struct {
	Sink
	Delay time.Duration
	sleep func(time.Duration) // time.Sleep; tests count the delays
}

var (
	_ truncater = (*SlowSink)(nil)
	_ Reopener  = (*SlowSink)(nil)
)

// NewSlowSink returns s with every Write delayed by d.
func NewSlowSink(s Sink, d time.Duration) *SlowSink {
	return &SlowSink{Sink: s, Delay: d, sleep: time.Sleep}
}

// Write sleeps Delay, then writes p.
func (s *SlowSink) Write(p []byte) (int, error) {
	s.sleep(s.Delay)
	return s.Sink.Write(p)
}

// Truncate truncates the sink below, if it can.
func (s *SlowSink) Truncate(size int64) error {
	if t, ok := s.Sink.(truncater); ok {
		return t.Truncate(size)
	}
	return errNoTruncate
}

// Seek seeks the sink below, if it can.
func (s *SlowSink) Seek(offset int64, whence int) (int64, error) {
	if t, ok := s.Sink.(truncater); ok {
		return t.Seek(offset, whence)
	}
	return 0, errNoTruncate
}

// Reopen reopens the sink below and delays its writes too.
func (s *SlowSink) Reopen() (Sink, error) {
	ns, err := reopen(s.Sink)
	if err != nil {
		return nil, err
	}
	return &SlowSink{Sink: ns, Delay: s.Delay, sleep: s.sleep}, nil
}

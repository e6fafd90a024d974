package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/variants"
	"metricstream/variants/writer"
)

// flakyListener fails its first Accept, as a process out of file
// descriptors would (EMFILE).
type flakyListener struct {
	net.Listener
	failed atomic.Bool
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if !l.failed.Swap(true) {
		return nil, errors.New("accept4: too many open files")
	}
	return l.Listener.Accept()
}

// TestFaultLogs: an accept error, a shutdown that times out with a request
// in flight, and the stop are each logged once, at the right level, as
// structured lines; requests themselves log nothing.
// holdSink blocks every Write while hold is set, until release is closed;
// entered is closed when the first such Write begins.
type holdSink struct {
	failingSink
	hold    atomic.Bool
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (h *holdSink) Write(p []byte) (int, error) {
	if h.hold.Load() {
		h.once.Do(func() { close(h.entered) })
		<-h.release
	}
	return h.failingSink.Write(p)
}

func TestFaultLogs(t *testing.T) {
	logs := &syncBuffer{}
	set, _ := variants.Parse("baseline")
	comp, _ := ByName(set)
	sink := &holdSink{entered: make(chan struct{}), release: make(chan struct{})}
	s, err := New(Config{Components: comp, Sink: sink, Fsync: writer.FsyncNever,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(&flakyListener{Listener: ln}) }()
	c := dial(t, ln.Addr().String())
	for range 3 {
		if r := postOne(c, "x"); r.status != 200 {
			t.Fatalf("POST = %d", r.status)
		}
	}
	// A request in flight: the sync writer holds it in the sink's Write
	// until the shutdown has timed out. (A body that never comes no longer
	// makes a request in flight: bodies are read before the request is
	// served.)
	sink.hold.Store(true)
	slow := dial(t, ln.Addr().String())
	slow.send(request("POST", "/metrics", "slow", `{"metrics":[{"name":"held","value":1}]}`))
	<-sink.entered // (Active may still count the previous request a moment after its answer)
	eventually(t, hangLimit, "request never in flight", func() bool { return s.Snapshot().Executor.Active == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(ctx) }()
	eventually(t, hangLimit, "shutdown never timed out", func() bool { return strings.Contains(logs.String(), "shutdown timed out") })
	close(sink.release) // the writer's Close waits for the held Write
	if err := <-shut; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want the deadline", err)
	}
	slow.nc.Close()
	require.Same(t, ErrServerClosed, <-served, "Serve")
	out := logs.String()
	for _, want := range []string{
		`level=WARN msg="accept failed; retrying" err="accept4: too many open files"`,
		`level=ERROR msg="shutdown timed out with requests in flight; closing the writer anyway"`,
	} {
		assert.Equal(t, 1, strings.Count(out, want), "want one %q in the logs:\n%s", want, out)
	}
	// The held request is written once released; whether its count is in
	// the stop line depends on which goroutine gets there first.
	if !regexp.MustCompile(`level=INFO msg=stopped acknowledged_metrics=[34]\n`).MatchString(out) {
		t.Errorf("want one stop line with 3 or 4 acknowledged metrics in the logs:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d log lines, want 3 (no per-request lines):\n%s", n, out)
	}
}

package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
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
func TestFaultLogs(t *testing.T) {
	logs := &syncBuffer{}
	set, _ := variants.Parse("baseline")
	comp, _ := ByName(set)
	s, err := New(Config{Components: comp, Sink: &failingSink{}, Fsync: writer.FsyncNever,
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
	// A request in flight: its head is in, its body never comes.
	slow := dial(t, ln.Addr().String())
	slow.send("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n{")
	eventually(t, hangLimit, "request never in flight", func() bool { return s.Snapshot().Executor.Active == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want the deadline", err)
	}
	slow.nc.Close()
	require.Same(t, ErrServerClosed, <-served, "Serve")
	out := logs.String()
	for _, want := range []string{
		`level=WARN msg="accept failed; retrying" err="accept4: too many open files"`,
		`level=ERROR msg="shutdown timed out with requests in flight; closing the writer anyway"`,
		`level=INFO msg=stopped acknowledged_metrics=3`,
	} {
		assert.Equal(t, 1, strings.Count(out, want), "want one %q in the logs:\n%s", want, out)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d log lines, want 3 (no per-request lines):\n%s", n, out)
	}
}

// Package redistest starts a throwaway redis-server on a free loopback port
// for the tests of the Redis limiter, the server and the command. It is the
// test wrapper of internal/redisproc, which starts the process (and which
// the harness's Redis fleets use). Neither imports package testing: Start
// takes the small TB interface, so no command links testing through them.
package redistest

import "metricstream/internal/redisproc"

// ErrNotInstalled is returned (and reported by Start) when redis-server is
// not on PATH.
var ErrNotInstalled = redisproc.ErrNotInstalled

// Server is one running redis-server.
type Server = redisproc.Server

// TB is the part of testing.TB that Start uses (a *testing.T or *testing.B
// satisfies it).
type TB interface {
	Helper()
	TempDir() string
	Fatal(args ...any)
	Cleanup(func())
}

// Start starts a redis-server for t on a free 127.0.0.1 port, stopped by
// t.Cleanup. A missing redis-server fails the test (never skips it): the
// Redis-backed tests are part of `make test`, which installs it.
func Start(t TB) *Server {
	t.Helper()
	s, err := Run(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Run starts a redis-server on a free 127.0.0.1 port with dir as its working
// directory and returns once it accepts connections. The caller must Stop it.
func Run(dir string) (*Server, error) { return redisproc.Run(dir) }

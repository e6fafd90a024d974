// Package redisproc starts a throwaway redis-server on a free loopback port,
// for the harness's Redis experiments (and, through internal/redistest, for
// the tests). Nothing is persisted (--save ”
// --appendonly no) and no system service is needed: redis-server must only
// be on PATH (`make redis` installs Debian's package; `make test` runs it).
package redisproc

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"metricstream/internal/freeport"
)

// ErrNotInstalled is returned (and reported by Start) when redis-server is
// not on PATH.
var ErrNotInstalled = errors.New("redisproc: redis-server not found on PATH; run `make redis` to install it (`make test` does)")

// startTimeout bounds the wait for redis-server to say it is ready.
const startTimeout = 10 * time.Second

// Server is one running redis-server.
type Server struct {
	Addr string // 127.0.0.1:port

	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited and been waited for
	once   sync.Once

	mu  sync.Mutex
	log strings.Builder // the server's output, guarded by mu
}

// Run starts a redis-server on a free 127.0.0.1 port with dir as its working
// directory and returns once it accepts connections. The caller must Stop it.
func Run(dir string) (*Server, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ { // a port taken between probe and bind: try another
		port, err := freeport.Port()
		if err != nil {
			return nil, err
		}
		s, err := start(path, dir, port)
		if err == nil {
			return s, nil
		}
		last = err
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	return nil, last
}

func start(path, dir string, port int) (*Server, error) {
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	s.cmd = exec.Command(path,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--daemonize", "no", "--logfile", "")
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stderr = s.cmd.Stdout
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("redisproc: start %s: %w", path, err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if !signalled && strings.Contains(line, "Ready to accept connections") {
				signalled = true
				close(ready)
			}
		}
		s.cmd.Wait()
		close(s.exited)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("redisproc: redis-server on %s exited at start:\n%s", s.Addr, s.Output())
	case <-timer.C:
		s.Kill()
		return nil, fmt.Errorf("redisproc: redis-server on %s not ready after %v:\n%s", s.Addr, startTimeout, s.Output())
	}
}

// Output is what the server has logged so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Kill stops the server abruptly (SIGKILL), as a crash would, and waits for
// it to exit. It is safe to call more than once and after Stop.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

// Stop shuts the server down (SIGTERM; SIGKILL after 5s) and waits for it.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

func (s *Server) signal(sig syscall.Signal) {
	s.once.Do(func() {
		s.cmd.Process.Signal(sig)
		timer := time.NewTimer(5 * time.Second)
		defer timer.Stop()
		select {
		case <-s.exited:
		case <-timer.C:
			s.cmd.Process.Kill()
		}
	})
	<-s.exited
}

package executor

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// BlockingConn reads and writes a TCP socket the way the seed's threads
// do: the socket is in blocking mode and each Read and Write is one
// blocking system call on the calling OS thread (through
// syscall.RawConn, which keeps the descriptor alive meanwhile), so the
// thread sleeps in the kernel instead of parking its goroutine in the
// netpoller. Thread uses it for executor=thread.
//
// Deadlines: the netpoller's deadlines do not apply to a blocking call, so
// before each call the time left until the deadline is set as SO_RCVTIMEO
// or SO_SNDTIMEO (one setsockopt per call, part of the design's cost); a
// call that times out returns os.ErrDeadlineExceeded, as net.Conn does.
// The kernel reads SO_RCVTIMEO when recv(2) starts, so a deadline moved
// into the past cannot wake a thread already blocked: SetReadDeadline with
// a time not after now therefore also shuts the socket's read side down
// (shutdown(2) SHUT_RD), which wakes it with end of file. That is
// irreversible, and the server sets a past read deadline only to wake idle
// connections at Shutdown.
type BlockingConn struct {
	tc  *net.TCPConn
	rc  syscall.RawConn
	rdl atomic.Int64 // read deadline, UnixNano; 0: none
	wdl atomic.Int64 // write deadline, UnixNano; 0: none
}

var _ net.Conn = (*BlockingConn)(nil)

// NewBlockingConn switches tc's socket to blocking mode. Use only the
// returned conn for I/O from then on (tc's own Read would now block its
// thread without a deadline).
func NewBlockingConn(tc *net.TCPConn) (*BlockingConn, error) {
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil, err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, os.NewSyscallError("setnonblock", serr)
	}
	return &BlockingConn{tc: tc, rc: rc}, nil
}

// timeLeft returns the timeout to set for a call under deadline dl (0 for
// none), or false when the deadline has passed.
func timeLeft(dl int64) (time.Duration, bool) {
	if dl == 0 {
		return 0, true
	}
	d := time.Until(time.Unix(0, dl))
	if d <= 0 {
		return 0, false
	}
	if d < time.Microsecond {
		d = time.Microsecond // a zero timeval would mean "no timeout"
	}
	return d, true
}

func setTimeout(fd uintptr, opt int, d time.Duration) error {
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	return syscall.SetsockoptTimeval(int(fd), syscall.SOL_SOCKET, opt, &tv)
}

// Read is one blocking recv(2), retried on EINTR.
func (b *BlockingConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		d, ok := timeLeft(b.rdl.Load())
		if !ok {
			return 0, b.opErr("read", os.ErrDeadlineExceeded)
		}
		var n int
		var err error
		cerr := b.rc.Read(func(fd uintptr) bool {
			if err = setTimeout(fd, syscall.SO_RCVTIMEO, d); err != nil {
				return true
			}
			n, err = syscall.Read(int(fd), p)
			return true
		})
		switch {
		case cerr != nil:
			return 0, cerr
		case err == syscall.EINTR:
			continue // a signal (the runtime's preemption, SIGURG) interrupted recv
		case err == syscall.EAGAIN:
			continue // SO_RCVTIMEO expired: timeLeft now says whether the deadline did
		case err != nil:
			return 0, b.opErr("read", os.NewSyscallError("read", err))
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of p with blocking send(2) calls.
func (b *BlockingConn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		d, ok := timeLeft(b.wdl.Load())
		if !ok {
			return done, b.opErr("write", os.ErrDeadlineExceeded)
		}
		var n int
		var err error
		cerr := b.rc.Write(func(fd uintptr) bool {
			if err = setTimeout(fd, syscall.SO_SNDTIMEO, d); err != nil {
				return true
			}
			n, err = syscall.Write(int(fd), p[done:])
			return true
		})
		if n > 0 {
			done += n
		}
		switch {
		case cerr != nil:
			return done, cerr
		case err == syscall.EINTR, err == syscall.EAGAIN:
			continue
		case err != nil:
			return done, b.opErr("write", os.NewSyscallError("write", err))
		}
	}
	return done, nil
}

func (b *BlockingConn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: b.tc.LocalAddr(), Addr: b.tc.RemoteAddr(), Err: err}
}

// Close closes the socket.
func (b *BlockingConn) Close() error { return b.tc.Close() }

// CloseWrite shuts the write side down (a FIN), as net.TCPConn's does.
func (b *BlockingConn) CloseWrite() error { return b.tc.CloseWrite() }

func (b *BlockingConn) LocalAddr() net.Addr  { return b.tc.LocalAddr() }
func (b *BlockingConn) RemoteAddr() net.Addr { return b.tc.RemoteAddr() }

// SetDeadline sets both deadlines.
func (b *BlockingConn) SetDeadline(t time.Time) error {
	if err := b.SetReadDeadline(t); err != nil {
		return err
	}
	return b.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline the next reads run under; a time not
// after now also shuts the read side down, to wake a blocked read.
func (b *BlockingConn) SetReadDeadline(t time.Time) error {
	b.rdl.Store(unixNano(t))
	if t.IsZero() || t.After(time.Now()) {
		return nil
	}
	var serr error
	if err := b.rc.Control(func(fd uintptr) { serr = syscall.Shutdown(int(fd), syscall.SHUT_RD) }); err != nil {
		return err
	}
	if serr != nil && !errors.Is(serr, syscall.ENOTCONN) {
		return os.NewSyscallError("shutdown", serr)
	}
	return nil
}

// SetWriteDeadline sets the deadline the next writes run under.
func (b *BlockingConn) SetWriteDeadline(t time.Time) error {
	b.wdl.Store(unixNano(t))
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return 1
}

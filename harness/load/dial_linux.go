//go:build linux

package load

import (
	"errors"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// rawConn is a TCP connection made with raw system calls and handed to
// Go's poller as an *os.File: the connection-per-request path's dial.
//
// net.Dial costs a client that opens a connection per request more user
// CPU than the request itself: the resolver (even for a literal address),
// a context with its deadline, the dial racing machinery, and system
// calls a load generator does not need (TCP_NODELAY, getsockname,
// getpeername, SO_ERROR). Here a dial is socket(2) and a non-blocking
// connect(2) (EINPROGRESS on loopback as elsewhere), fcntl(F_GETFL) and
// epoll_ctl(ADD) by os.NewFile; the first write waits in the poller for
// the handshake if it has not finished (a write on a connecting socket
// returns EAGAIN) and fails with the handshake's error if it failed.
type rawConn struct {
	f  *os.File
	fd int // f's descriptor, kept so Close need not call f.Fd (it makes the file blocking)
}

func (r *rawConn) Read(b []byte) (int, error)    { return r.f.Read(b) }
func (r *rawConn) Write(b []byte) (int, error)   { return r.f.Write(b) }
func (r *rawConn) SetDeadline(t time.Time) error { return r.f.SetDeadline(t) }
func (r *rawConn) Close() error                  { return r.f.Close() }

// closeReset closes with SO_LINGER 0 (a reset instead of TIME_WAIT), as
// client.close does for a net.TCPConn.
func (r *rawConn) closeReset() error {
	_ = syscall.SetsockoptLinger(r.fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	return r.f.Close()
}

// dialRaw connects to ap. The timeout bounds the wait for the handshake
// through the first write's deadline, which send sets anyway.
func dialRaw(ap netip.AddrPort) (*rawConn, error) {
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if a := ap.Addr(); a.Is4() || a.Is4In6() {
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	for {
		err = syscall.Connect(fd, sa)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil && !errors.Is(err, syscall.EINPROGRESS) {
		syscall.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	f := os.NewFile(uintptr(fd), "tcp")
	if f == nil {
		syscall.Close(fd)
		return nil, errors.New("load: os.NewFile refused a socket")
	}
	return &rawConn{f: f, fd: fd}, nil
}

// rawTarget is addr as dialRaw takes it, or the zero AddrPort (dial with
// net.Dialer) when addr is not a literal IP address and port.
func rawTarget(addr string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return netip.AddrPort{}
	}
	return ap
}

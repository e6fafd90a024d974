//go:build !linux

package load

import (
	"errors"
	"net/netip"
	"time"
)

// rawConn exists on Linux only; elsewhere every dial goes through
// net.Dialer (rawTarget returns the zero AddrPort).
type rawConn struct{}

func (*rawConn) Read([]byte) (int, error)      { return 0, errors.ErrUnsupported }
func (*rawConn) Write([]byte) (int, error)     { return 0, errors.ErrUnsupported }
func (*rawConn) SetDeadline(time.Time) error   { return errors.ErrUnsupported }
func (*rawConn) Close() error                  { return nil }
func (*rawConn) closeReset() error             { return nil }
func dialRaw(netip.AddrPort) (*rawConn, error) { return nil, errors.ErrUnsupported }
func rawTarget(string) netip.AddrPort          { return netip.AddrPort{} }

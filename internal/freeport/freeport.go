// Package freeport asks the kernel for a free loopback TCP port, for code
// that must hand an address to another process (a server binary, a
// redis-server) rather than a listener. The port is free when it returns;
// another process may take it before the caller binds it, so callers that
// can pass a net.Listener should listen on 127.0.0.1:0 themselves.
package freeport

import (
	"fmt"
	"net"
)

// Port returns a TCP port on 127.0.0.1 that was free a moment ago.
func Port() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("freeport: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns "127.0.0.1:<port>" for a port that was free a moment ago.
func Addr() (string, error) {
	p, err := Port()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}

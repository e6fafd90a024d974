// Package loopback finds free ports on 127.0.0.1 for the servers the lab
// starts (variants under test, redis-server, test servers).
package loopback

import (
	"fmt"
	"net"
)

// FreePort asks the kernel for a free 127.0.0.1 port. The port is free when
// FreePort returns; another process may take it before the caller binds it,
// so callers that start a server on it retry on "address already in use".
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loopback: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

package server

import (
	"context"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keepAliveOf is SO_KEEPALIVE of the connection ln accepts next.
func keepAliveOf(t *testing.T, ln net.Listener) int {
	t.Helper()
	defer ln.Close()
	cl, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer cl.Close()
	nc, err := ln.Accept()
	require.NoError(t, err)
	defer nc.Close()
	rc, err := nc.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var v int
	var gerr error
	require.NoError(t, rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) }))
	require.NoError(t, gerr)
	return v
}

// TestListenNoKeepAliveProbes: Listen's accepted connections have TCP
// keep-alive probes off (net.Listen's have them on: the four setsockopt
// calls per connection Listen saves).
func TestListenNoKeepAliveProbes(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	assert.Equal(t, 0, keepAliveOf(t, ln), "Listen: SO_KEEPALIVE")
	std, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.Equal(t, 1, keepAliveOf(t, std), "net.Listen: SO_KEEPALIVE (the default this avoids)")
}

package freeport

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// The address Addr returns can be listened on, and is not in use.
func TestAddrListenable(t *testing.T) {
	addr, err := Addr()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "listen on the free address")
	require.NoError(t, ln.Close())
	p, err := Port()
	require.NoError(t, err)
	require.Positive(t, p)
}

package pprofserve

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	require.NoError(t, Serve(addr, slog.New(slog.NewTextHandler(io.Discard, nil))))
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "mutex") {
		t.Fatalf("GET /debug/pprof/ = %d", resp.StatusCode)
	}
	require.ErrorContains(t, Serve(addr, slog.New(slog.NewTextHandler(io.Discard, nil))), "-pprof", "second Serve on a taken address")
}

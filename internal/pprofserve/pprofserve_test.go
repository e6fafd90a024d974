package pprofserve

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"metricstream/internal/freeport"
)

func TestServe(t *testing.T) {
	addr, err := freeport.Addr()
	require.NoError(t, err)
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

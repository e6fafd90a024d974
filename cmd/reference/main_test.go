package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVariantFlag(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, []string{"-variant"}, nil))
	assert.Equal(t, `{"server":"reference"}`+"\n", out.String(), "-variant printed %q", out.String())
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-fsync", "interval"}, {"extra"}, {"-nope"}} {
		if err := run(context.Background(), io.Discard, io.Discard, append(args, "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "d")), nil); err == nil {
			t.Errorf("%q: want an error", args)
		}
	}
}

// Serve on a real 127.0.0.1 port with the flags experiments pass (the lab
// server's -workers/-queue included), ingest, then stop as on SIGTERM: run
// returns nil and the acknowledged line is in the file.
func TestServeAndGracefulStop(t *testing.T) {
	data := filepath.Join(t.TempDir(), "m.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, io.Discard, io.Discard, []string{"-addr", "127.0.0.1:0", "-data", data, "-rate-limit", "0", "-fsync", "always",
			"-workers", "8", "-queue", "64", "-writer-queue", "16"}, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	resp, err := http.Post("http://"+addr+"/metrics", "application/json", strings.NewReader(`{"metrics":[{"name":"e2e","value":1}]}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"accepted":1}` {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	cancel()
	require.NoError(t, <-done, "graceful stop")
	b, err := os.ReadFile(data)
	if err != nil || strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `"name":"e2e"`) {
		t.Errorf("data file %q %v", b, err)
	}
}

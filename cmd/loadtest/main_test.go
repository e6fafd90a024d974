package main

import (
	"bytes"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/harness/results"
	"metricstream/harness/sink"
)

func sinkPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go sink.Serve(ln)
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// Every example in the usage text runs as written (with the port swapped).
func TestUsageExamples(t *testing.T) {
	port := sinkPort(t)
	n := 0
	for _, line := range strings.Split(usageText, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "loadtest ") || strings.HasPrefix(line, "loadtest [") {
			continue
		}
		n++
		cmd, _, _ := strings.Cut(line, "  ") // drop the comment column
		args := strings.Fields(cmd)[1:]
		for i, a := range args {
			if a == "8080" {
				args[i] = port
			}
		}
		var out, errb bytes.Buffer
		if err := run(&out, &errb, args); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, errb.String())
		}
		if strings.Contains(cmd, "-json") {
			var tr results.Trial
			if err := json.Unmarshal(out.Bytes(), &tr); err != nil || tr.SuccessPct != 100 || tr.HDR == "" {
				t.Fatalf("%s: %v %+v", cmd, err, tr)
			}
		} else if !strings.Contains(out.String(), "Success rate:  100.00%") || !strings.Contains(out.String(), "p99.9") {
			t.Fatalf("%s:\n%s", cmd, out.String())
		}
	}
	require.Equal(t, 4, n, "found %d examples, want 4", n)
}

func TestSeedOutput(t *testing.T) {
	port := sinkPort(t)
	var out bytes.Buffer
	require.NoError(t, run(&out, &bytes.Buffer{}, []string{port, "5", "4"}))
	for _, want := range []string{"5 clients × 4 requests", "Requests:      20 in", "Success rate:  100.00% (20/20)",
		"Status:        2xx 20, 400 0, 429 0, 503 0, other 0, timeout 0, connection error 0", "Throughput:", "avg", "p50", "p90", "max", "new connection per request"} {
		assert.True(t, strings.Contains(out.String(), want), "output lacks %q:\n%s", want, out.String())
	}
}

func TestBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "want PORT CLIENTS REQUESTS"},
		{[]string{"http", "1", "1"}, `PORT "http"`},
		{[]string{"8080", "0", "1"}, `CLIENTS "0"`},
		{[]string{"8080", "1", "x"}, `REQUESTS "x"`},
		{[]string{"8080", "1", "0"}, "REQUESTS is 0"},
		{[]string{"-batch", "0", "8080", "1", "1"}, "-batch"},
		{[]string{"-bogus", "8080", "1", "1"}, "not defined"},
	} {
		err := run(&bytes.Buffer{}, &bytes.Buffer{}, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.want)
		}
	}
	var stderr bytes.Buffer
	run(&bytes.Buffer{}, &stderr, []string{"-h"})
	assert.True(t, strings.Contains(stderr.String(), "Examples:"), "-h prints no usage:\n%s", stderr.String())
}

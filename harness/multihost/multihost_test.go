package multihost

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// TestMultihost checks a three-namespace run (multihost.sh): the merged
// run's request counts are the sums of the two generator hosts' and its
// histograms the merges of theirs, and the server stored what it
// acknowledged. MULTIHOST_DIR names a finished run's output (make
// multihost sets it); otherwise the test runs the script itself, which
// needs root, ip and unshare, and skips with the reason when they are
// missing.
func TestMultihost(t *testing.T) {
	dir := os.Getenv("MULTIHOST_DIR")
	if dir == "" {
		if testing.Short() {
			t.Skip("-short: the three-namespace run builds two binaries and runs two generators (make multihost)")
		}
		if os.Geteuid() != 0 {
			t.Skip("not root: the three-namespace run needs ip netns and unshare (make multihost as root)")
		}
		for _, c := range []string{"ip", "unshare", "bash"} {
			if _, err := exec.LookPath(c); err != nil {
				t.Skipf("%s not found: the three-namespace run needs it", c)
			}
		}
		if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
			t.Skipf("ip netns does not work here: %v: %s", err, out)
		}
		dir = t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "./multihost.sh", dir)
		cmd.Env = append(os.Environ(), "MULTIHOST_COUNT=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "multihost.sh:\n%s", out)
	}
	id, err := os.ReadFile(filepath.Join(dir, "run-id"))
	require.NoError(t, err, "no finished run in %s", dir)
	runID := strings.TrimSpace(string(id))
	read := func(part string) *results.Run {
		r, err := results.Read(filepath.Join(dir, part, runID))
		require.NoError(t, err)
		return r
	}
	g1, g2, merged := read("gen1"), read("gen2"), read("merged")
	require.Equal(t, []string{"gen1", "gen2"}, merged.Meta.Hosts)
	require.NotEmpty(t, merged.Trials)
	require.NoError(t, CheckMerge(merged, g1, g2))

	// both hosts' load reached the one server, and it stored exactly what it acknowledged
	var st struct {
		Requests struct {
			ByStatus map[string]int64 `json:"by_status"`
		} `json:"requests"`
		Accepted int64 `json:"metrics_accepted"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "server-metrics.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &st), "%s", b)
	var ok2xx, acked int64
	for _, tr := range merged.Trials {
		require.Positive(t, tr.Counts.Status2xx, "every merged trial had answers from both hosts")
		ok2xx += tr.Counts.Status2xx
		acked += tr.Acked
	}
	require.GreaterOrEqual(t, st.Requests.ByStatus["200"], ok2xx, "the server answered 200 at least as often as the merged trials count")
	require.GreaterOrEqual(t, st.Accepted, acked)
	data, err := os.ReadFile(filepath.Join(dir, "server.jsonl"))
	require.NoError(t, err)
	require.Equal(t, st.Accepted, int64(strings.Count(string(data), "\n")), "the data file holds every metric the server acknowledged")
}

// CheckMerge accepts what results.Merge makes and refuses a merge whose
// counts or histogram buckets are not the hosts' sums. It runs
// everywhere, root or not.
func TestCheckMerge(t *testing.T) {
	mk := func(host string, lat ...int64) *results.Run {
		h := results.NewHDR()
		for _, v := range lat {
			require.NoError(t, h.RecordValue(v))
		}
		enc, err := results.EncodeHDR(h)
		require.NoError(t, err)
		return &results.Run{Meta: results.Meta{RunID: "r"}, Trials: []results.Trial{{
			Scenario: "multihost", Variant: "phase6", Host: host, HDR: enc, Latency: results.LatencyOf(h),
			Counts: results.Counts{Status2xx: int64(len(lat)), Late: 1}, Acked: int64(len(lat)),
		}}}
	}
	a, b := mk("gen1", 1e4, 2e4, 3e6), mk("gen2", 2e4, 5e5)
	m, err := results.Merge("out", []*results.Run{a, b}, scenario.Remeasure)
	require.NoError(t, err)
	require.NoError(t, CheckMerge(m, a, b))

	bad := *m
	bad.Trials = append([]results.Trial(nil), m.Trials...)
	bad.Trials[0].Counts.Status2xx++
	require.ErrorContains(t, CheckMerge(&bad, a, b), "counts")

	// a histogram with the right total but a value in the wrong bucket
	moved := mk("x", 1e4, 2e4, 3e6, 2e4, 6e5)
	bad.Trials[0] = m.Trials[0]
	bad.Trials[0].HDR = moved.Trials[0].HDR
	require.ErrorContains(t, CheckMerge(&bad, a, b), "bucket")

	bad.Trials[0] = m.Trials[0]
	bad.Meta.Hosts = []string{"gen1"}
	require.ErrorContains(t, CheckMerge(&bad, a, b), "hosts")
}

package analysis

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/harness/results"
)

// diskTrial is a disk-fault trial of variant v (writer w) with its figures.
func diskTrial(kind, step, v, w string, acked, landed, lost int64, exit int, full results.Counts, filled, firstOK int64, p99 int64, rss int64) results.Trial {
	return results.Trial{Scenario: kind, Step: step, Variant: v, Kind: kind, Acked: acked, Lost: lost,
		Counts: results.Counts{Status2xx: 90, Status503: 10}, Latency: results.Latency{P99: p99},
		Fault: &results.FaultStats{Disk: &results.DiskFault{Writer: w, RoomBytes: 256 << 10, Full: &full, FilledAtNS: filled, FirstOKNS: firstOK,
			Landed: landed, ExitCode: exit, RSSStartBytes: rss / 2, RSSPeakBytes: rss, HeldPeakBytes: 1000, WriteDelayNS: map[string]int64{"delay=5ms": 5e6}[step]}}}
}

// The disk findings: per variant and cell, the sums of acknowledged and
// landed, the 503s while full, recovery as a median over the trials that
// recovered with the others counted (censored, no figure), verdicts as
// values; disk-slow against the same variant's delay=0ms cell.
func TestDiskFindings(t *testing.T) {
	full := results.Counts{Status503: 40, Status2xx: 2}
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"disk-full", "disk-slow"}}, Trials: []results.Trial{
		diskTrial("disk-full", "", "optimized", "async", 1000, 1000, 0, 0, full, 2e8, 1e8, 3e6, 20<<20),
		diskTrial("disk-full", "", "optimized", "async", 1200, 1200, 0, 0, full, 2e8, 3e8, 5e6, 22<<20),
		diskTrial("disk-full", "", "baseline", "sync", 900, 900, 0, 0, full, 2e8, 5e7, 4e6, 10<<20),
		diskTrial("disk-full", "", "baseline", "sync", 900, 900, 0, 0, full, 2e8, -1, 4e6, 10<<20), // no 2xx after the lift: censored
		diskTrial("disk-full", "", "unb", "unbounded", 5000, 3000, 2000, 0, results.Counts{Status2xx: 50}, 3e8, 1e7, 1e6, 30<<20),
		diskTrial("disk-slow", "delay=0ms", "unb", "unbounded", 800, 800, 0, 0, results.Counts{}, 0, 0, 1e6, 10<<20),
		diskTrial("disk-slow", "delay=5ms", "unb", "unbounded", 9000, 200, 8800, 1, results.Counts{}, 0, 0, 2e6, 80<<20),
	}}
	a, err := Analyze(run)
	require.NoError(t, err)
	fs := a.DiskFindings()
	require.Len(t, fs, 5)
	by := map[string]DiskFinding{}
	for _, f := range fs {
		by[f.Cell.String()+" "+f.Variant] = f
	}

	opt := by["disk-full optimized"]
	assert.Equal(t, DiskFinding{Cell: Cell{"disk-full", ""}, Variant: "optimized", Kind: "disk-full", Writer: "async", Trials: 2,
		RoomBytes: 256 << 10, Acked: 2200, Landed: 2200, FullAnswers: 84, Full503: 80, FullAccepted: 4, Refused503Pct: 10, P99NS: 4e6,
		RecoveredMedianNS: 2e8, RecoveredWorstNS: 3e8, Recovered: 2, RSSStartBytes: 21 << 19, RSSPeakBytes: 21 << 20, HeldPeakBytes: 1000,
		NothingLost: true, CleanExit: true, Refused: true, RecoveredInTime: true}, opt)

	sync := by["disk-full baseline"]
	if sync.Recovered != 1 || sync.Unrecovered != 1 || sync.RecoveredMedianNS != 5e7 || sync.RecoveredInTime {
		t.Errorf("a trial with no 2xx after the lift is censored, not a figure: %+v", sync)
	}

	unb := by["disk-full unb"]
	if unb.Refused || unb.NothingLost || unb.Lost != 2000 || unb.Landed != 3000 || unb.FullAccepted != 50 || !unb.CleanExit {
		t.Errorf("unbounded acknowledges while full and loses: %+v", unb)
	}

	slow := by["disk-slow delay=5ms unb"]
	if slow.WriteDelayNS != 5e6 || slow.BaseP99NS != 1e6 || slow.BaseRSSPeakBytes != 10<<20 || slow.CleanExit || slow.NothingLost || slow.Recovered != 0 || slow.RecoveredInTime {
		t.Errorf("disk-slow against delay=0ms: %+v", slow)
	}
	if base := by["disk-slow delay=0ms unb"]; base.BaseP99NS != 0 || math.IsNaN(base.P99NS) {
		t.Errorf("the delay=0ms cell has no base of its own: %+v", base)
	}
	assert.Contains(t, results.BenchLine(&run.Trials[4]), " 2000 lost-metrics 10 refused-503-% 31457280 rss-peak-bytes")
}

package report

import (
	"bytes"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/harness/results"
)

// diskRun is a run with a disk-full cell (async recovers, sync has one
// trial with no 2xx after the lift, unbounded loses) and a disk-slow
// sweep of the unbounded writer.
func diskRun() *results.Run {
	tr := func(kind, step, v, w string, acked, landed, lost int64, exit int, full results.Counts, firstOK int64, p99, rss int64) results.Trial {
		return results.Trial{Scenario: kind, Step: step, Variant: v, Kind: kind, Acked: acked, Lost: lost,
			Counts: results.Counts{Status2xx: 90, Status503: 10}, Latency: results.Latency{P99: p99},
			Fault: &results.FaultStats{Disk: &results.DiskFault{Writer: w, RoomBytes: 256 << 10, Full: &full, FilledAtNS: 2e8, FullNS: 5e8, FirstOKNS: firstOK,
				Landed: landed, ExitCode: exit, RSSStartBytes: 8 << 20, RSSPeakBytes: rss, HeldPeakBytes: 2048, QueuePeakDepth: 3,
				WriteDelayNS: map[string]int64{"delay=5ms": 5e6}[step]}}}
	}
	return &results.Run{Meta: results.Meta{Scenarios: []string{"disk-full", "disk-slow"}}, Trials: []results.Trial{
		tr("disk-full", "", "optimized", "async", 1000, 1000, 0, 0, results.Counts{Status503: 40, Status2xx: 2}, 1.2e8, 3e6, 10<<20),
		tr("disk-full", "", "baseline", "sync", 900, 900, 0, 0, results.Counts{Status503: 40}, 5e7, 4e6, 9<<20),
		tr("disk-full", "", "baseline", "sync", 900, 900, 0, 0, results.Counts{Status503: 40}, -1, 4e6, 9<<20),
		tr("disk-full", "", "unb", "unbounded", 5000, 3000, 2000, 0, results.Counts{Status2xx: 50}, 1e7, 1e6, 30<<20),
		tr("disk-slow", "delay=0ms", "unb", "unbounded", 800, 800, 0, 0, results.Counts{}, 0, 1e6, 10<<20),
		tr("disk-slow", "delay=5ms", "unb", "unbounded", 9000, 200, 8800, 1, results.Counts{}, 0, 2e6, 80<<20),
	}}
}

// The disk findings in words, the same on the terminal and the page:
// verdicts, the censored recovery said as such, disk-slow against its
// delay=0ms cell.
func TestDiskLinesAndRows(t *testing.T) {
	rep, err := Build(diskRun())
	require.NoError(t, err)
	lines := DiskLines(rep.Analysis)
	require.Len(t, lines, 5)
	txt := strings.Join(lines, "\n")
	for _, want := range []string{
		"disk-full optimized (writer async): 256 KiB of room: while it refused (500ms), 40 of 42 answers 503 and 2 accepted: ok; 503 share 10.0%; p99 of the accepted 3.00ms; 2xx again 120ms after the room returned (worst 120ms) (≤ 1.00s): ok; acknowledged 1,000 metrics, landed 1,000, lost 0: ok; exit 0 after SIGTERM: ok; RSS 8 MiB → 10 MiB, held for retry at most 2 KiB, queue at most 3 batches",
		"disk-full baseline (writer sync): 256 KiB of room: while it refused (500ms), 80 of 80 answers 503 and 0 accepted: ok; 503 share 10.0%; p99 of the accepted 4.00ms; 2xx again 50.0ms after the room returned (worst 50.0ms; 1 trials had none, censored) (≤ 1.00s): FAIL",
		"disk-full unb (writer unbounded): 256 KiB of room: while it refused (500ms), 0 of 50 answers 503 and 50 accepted: FAIL",
		"acknowledged 5,000 metrics, landed 3,000, lost 2,000: FAIL",
		"disk-slow delay=0ms unb (writer unbounded): writes not delayed: 503 share 10.0%",
		"disk-slow delay=5ms unb (writer unbounded): every write +5.00ms: 503 share 10.0%; p99 of the accepted 2.00ms (delay=0ms: 1.00ms, 2.00×); acknowledged 9,000 metrics, landed 200, lost 8,800: FAIL; 1 of 1 trials did not exit 0 after SIGTERM: FAIL; RSS 8 MiB → 80 MiB (delay=0ms: 10 MiB)",
	} {
		assert.Contains(t, txt, want)
	}

	var page, sum bytes.Buffer
	require.NoError(t, rep.WriteHTML(&page))
	require.NoError(t, Summary(&sum, rep.Analysis))
	p := html.UnescapeString(page.String())
	// the summary wraps its paragraphs at 100 columns: read it unwrapped
	flat := strings.Join(strings.Fields(sum.String()), " ")
	assert.Contains(t, flat, strings.Join(strings.Fields(DiskHead), " "))
	assert.Contains(t, p, `id="disk-faults"`)
	rows := diskRows(rep.Analysis)
	require.Len(t, rows, 5)
	for i, f := range rep.Analysis.DiskFindings() {
		r := rows[i]
		assert.Contains(t, p, "<td>"+r.Cell+"</td><td>"+r.Variant+"</td><td>"+r.Writer+"</td>")
		assert.Contains(t, p, r.Landed)
		// the page's figures are the terminal's
		assert.Contains(t, flat, fmt.Sprintf("acknowledged %s metrics, landed %s, lost %s", thousands(f.Acked), thousands(f.Landed), thousands(f.Lost)))
		assert.Contains(t, r.Landed, thousands(f.Acked)+" → "+thousands(f.Landed))
	}
	assert.Equal(t, "5,000 → 3,000 (lost 2,000)", rows[2].Landed)
	assert.Equal(t, "8 MiB → 30 MiB; held ≤ 2 KiB; queue ≤ 3 batches", rows[2].Memory)
	assert.Equal(t, 5, strings.Count(page.String(), `class="fail"`), "marked: the two losses, the unbounded writer acknowledging while full, the sync trial with no 2xx after the lift, the bad exit")
	// findings first: a failed verdict opens the section and names its rows
	assert.Contains(t, p, `id="disk-faults" open`)
	assert.Equal(t, "5 rows; a verdict failed for baseline in disk-full, unb in disk-full, unb in disk-slow delay=5ms", diskTally(rows))
	var ok []diskRow // optimized in disk-full, unb at delay=0ms
	for _, r := range rows {
		if r.Variant == "optimized" || r.Cell == "disk-slow delay=0ms" {
			ok = append(ok, r)
		}
	}
	assert.Equal(t, "2 rows, every verdict ok", diskTally(ok))
	assert.False(t, diskFailed(ok))
	assert.Equal(t, []string{"0", "-12", "1,234", "-1,234,567"}, []string{thousands(0), thousands(-12), thousands(1234), thousands(-1234567)})
}

package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"metricstream/harness/analysis"
)

// The disk-fault finding in words: one line per variant and cell for the
// terminal (DiskLines), one table row for the page (diskRows). Every
// figure is analysis.DiskFinding's.

// DiskHead introduces the disk findings in the terminal summary.
const DiskHead = "Disk faults (per writer: acknowledged vs landed after SIGTERM, 503 share, p99 of the accepted, recovery once the disk has room, memory; medians over trials, sums for metrics, worst case for loss, exit and recovery):"

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// DiskLines phrases each disk finding of a.
func DiskLines(a *analysis.Analysis) []string {
	var out []string
	for _, f := range a.DiskFindings() {
		out = append(out, diskLine(f))
	}
	return out
}

func diskLine(f analysis.DiskFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (writer %s): ", f.Cell, f.Variant, f.Writer)
	switch f.Kind {
	case "disk-full":
		b.WriteString(diskFullText(f))
	case "disk-slow":
		fmt.Fprintf(&b, "%s: 503 share %.1f%%; p99 of the accepted %s", delayText(f), f.Refused503Pct, FormatNS(f.P99NS))
		if f.BaseP99NS > 0 {
			fmt.Fprintf(&b, " (delay=0ms: %s, %.2f×)", FormatNS(f.BaseP99NS), f.P99NS/f.BaseP99NS)
		}
	}
	fmt.Fprintf(&b, "; %s; %s; %s", landedText(f), exitText(f), memoryText(f))
	return b.String()
}

func diskFullText(f analysis.DiskFinding) string {
	s := fmt.Sprintf("%s of room: ", sizeText(float64(f.RoomBytes)))
	if f.NeverFilled > 0 {
		s += fmt.Sprintf("the disk never refused in %d of %d trials (nothing measured there); ", f.NeverFilled, f.Trials)
	}
	s += fmt.Sprintf("while it refused (%s), %s of %s answers 503 and %s accepted: %s; 503 share %.1f%%; p99 of the accepted %s; ",
		FormatNS(f.FullMedianNS), thousands(f.Full503), thousands(f.FullAnswers), thousands(f.FullAccepted), verdict(f.Refused), f.Refused503Pct, FormatNS(f.P99NS))
	switch {
	case f.Recovered == 0:
		s += "no 2xx after the room returned in any trial"
	default:
		s += fmt.Sprintf("2xx again %s after the room returned (worst %s", FormatNS(f.RecoveredMedianNS), FormatNS(f.RecoveredWorstNS))
		if f.Unrecovered > 0 {
			s += fmt.Sprintf("; %d trials had none, censored", f.Unrecovered)
		}
		s += ")"
	}
	return s + fmt.Sprintf(" (≤ %s): %s", FormatNS(float64(analysis.DiskRecoveryBound)), verdict(f.RecoveredInTime))
}

func delayText(f analysis.DiskFinding) string {
	if f.WriteDelayNS == 0 {
		return "writes not delayed"
	}
	return "every write +" + FormatNS(float64(f.WriteDelayNS))
}

func landedText(f analysis.DiskFinding) string {
	return fmt.Sprintf("acknowledged %s metrics, landed %s, lost %s: %s", thousands(f.Acked), thousands(f.Landed), thousands(f.Lost), verdict(f.NothingLost))
}

func exitText(f analysis.DiskFinding) string {
	if f.BadExits == 0 {
		return "exit 0 after SIGTERM: ok"
	}
	return fmt.Sprintf("%d of %d trials did not exit 0 after SIGTERM: FAIL", f.BadExits, f.Trials)
}

func memoryText(f analysis.DiskFinding) string {
	s := fmt.Sprintf("RSS %s → %s", sizeText(f.RSSStartBytes), sizeText(f.RSSPeakBytes))
	if f.BaseRSSPeakBytes > 0 {
		s += fmt.Sprintf(" (delay=0ms: %s)", sizeText(f.BaseRSSPeakBytes))
	}
	if f.HeldPeakBytes > 0 {
		s += ", held for retry at most " + sizeText(float64(f.HeldPeakBytes))
	}
	if f.QueuePeakBytes > 0 {
		s += fmt.Sprintf(", queued at most %s batches (%s)", thousands(int64(f.QueuePeakDepth)), sizeText(float64(f.QueuePeakBytes)))
	} else if f.QueuePeakDepth > 0 {
		s += fmt.Sprintf(", queue at most %s batches", thousands(int64(f.QueuePeakDepth)))
	}
	return s
}

// sizeText is bytes in KiB or MiB, three significant digits.
func sizeText(b float64) string {
	switch {
	case b != b: // NaN: not measured
		return "-"
	case b >= 1<<20:
		return fmt.Sprintf("%.3g MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.3g KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// diskRow is one disk finding as the page's table shows it: short cells,
// the verdicts as classes.
type diskRow struct {
	Cell, Variant, Writer             string
	Landed, Refused, P99, Recovery    string
	Exit, Memory                      string
	LostOK, RefusedOK, RecoveryOK, OK bool
}

// Failed reports whether one of the row's verdicts failed.
func (r diskRow) Failed() bool { return !r.LostOK || !r.RefusedOK || !r.RecoveryOK || !r.OK }

// diskTally is the disk section's summary line: "9 rows, every verdict
// ok" or "9 rows; a verdict failed for writer:unbounded in disk-full,
// disk-slow delay=5ms" (the page then opens the section).
func diskTally(rows []diskRow) string {
	var failed []string
	for _, r := range rows {
		if r.Failed() {
			failed = append(failed, r.Variant+" in "+r.Cell)
		}
	}
	head := fmt.Sprintf("%d row%s", len(rows), plural(len(rows)))
	if len(failed) == 0 {
		return head + ", every verdict ok"
	}
	return head + "; a verdict failed for " + strings.Join(failed, ", ")
}

// diskFailed reports whether a row has a failed verdict.
func diskFailed(rows []diskRow) bool { return slices.ContainsFunc(rows, diskRow.Failed) }

// diskRows are the page's rows of the disk findings.
func diskRows(a *analysis.Analysis) []diskRow {
	var out []diskRow
	for _, f := range a.DiskFindings() {
		r := diskRow{Cell: f.Cell.String(), Variant: f.Variant, Writer: f.Writer,
			Landed: fmt.Sprintf("%s → %s (lost %s)", thousands(f.Acked), thousands(f.Landed), thousands(f.Lost)),
			Exit:   "0", Memory: fmt.Sprintf("%s → %s", sizeText(f.RSSStartBytes), sizeText(f.RSSPeakBytes)),
			P99: FormatNS(f.P99NS), Refused: fmt.Sprintf("%.1f%%", f.Refused503Pct),
			LostOK: f.NothingLost, RefusedOK: true, RecoveryOK: true, OK: f.CleanExit}
		if !f.CleanExit {
			r.Exit = fmt.Sprintf("not 0 in %d of %d", f.BadExits, f.Trials)
		}
		if f.HeldPeakBytes > 0 {
			r.Memory += "; held ≤ " + sizeText(float64(f.HeldPeakBytes))
		}
		if f.QueuePeakBytes > 0 {
			r.Memory += fmt.Sprintf("; queue ≤ %s batches (%s)", thousands(int64(f.QueuePeakDepth)), sizeText(float64(f.QueuePeakBytes)))
		} else if f.QueuePeakDepth > 0 {
			r.Memory += fmt.Sprintf("; queue ≤ %s batches", thousands(int64(f.QueuePeakDepth)))
		}
		switch f.Kind {
		case "disk-full":
			r.Refused += fmt.Sprintf("; while full %s of %s", thousands(f.Full503), thousands(f.FullAnswers))
			r.RefusedOK, r.RecoveryOK = f.Refused, f.RecoveredInTime
			r.Recovery = "-"
			if f.Recovered > 0 {
				r.Recovery = FormatNS(f.RecoveredMedianNS) + " (worst " + FormatNS(f.RecoveredWorstNS) + ")"
			}
			if f.Unrecovered > 0 {
				r.Recovery += fmt.Sprintf("; none in %d trials", f.Unrecovered)
			}
		case "disk-slow":
			r.Recovery = delayText(f)
			if f.BaseP99NS > 0 {
				r.P99 += fmt.Sprintf(" (%.2f× delay=0ms)", f.P99NS/f.BaseP99NS)
			}
		}
		out = append(out, r)
	}
	return out
}

// thousands writes n with a comma every three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

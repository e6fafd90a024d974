package report

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"metricstream/harness/analysis"
)

// Summary writes the terminal summary of an analysis (what `lab experiment`
// prints at the end): one row per cell and variant with the medians over
// its trials and its SLO verdict, the knee of every stepped load scenario,
// the replica and fault findings, then the failed variants. Every number
// and verdict is the analysis's, as on the page.
func Summary(w io.Writer, a *analysis.Analysis) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSTEP\tVARIANT\tTRIALS\tSUCCESS\tP99\tREQ/S\tSLO\tLOST (max)")
	for _, r := range a.Rows {
		step, lost := r.Cell.Step, "-"
		if step == "" {
			step = "-"
		}
		if r.Kind != "" {
			lost = strconv.FormatInt(r.Lost, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Cell.Scenario, step, r.Variant, r.Trials,
			analysis.FormatValue("success-%", r.Success), p99Text(r),
			analysis.FormatValue("req/s", r.Throughput), r.SLO.Text(), lost)
	}
	tw.Flush()
	if len(a.Knees) > 0 {
		fmt.Fprintf(ew, "Knees (highest load step whose trials all met the SLOs; median success ≥ %.0f%% where they carry none):\n", analysis.KneeSuccess)
		for _, k := range a.Knees {
			fmt.Fprintf(ew, "  %s %s: %s\n", k.Scenario, k.Variant, k.Text())
		}
	}
	stepsSummary(ew, a)
	section(ew, "Capacity at SLO (highest offered open-loop rate meeting every SLO; median and 95% CI of the searches that converged; the others counted with their bounds):", capacityLines(a))
	section(ew, "Scaling with the server's cores (-cpus; median per core count, last/first):", a.ScalingLines())
	section(ew, "Replicas (admitted 2xx per client per second over the fleet, median; × the per-replica rate limit):", a.Replicas)
	section(ew, "Faults (RELIABILITY.md criteria; medians over trials, worst case for closes, recovery and loss):", a.Faults)
	seedSection(ew, a.SeedDesigns)
	for _, f := range a.Failed {
		fmt.Fprintf(ew, "FAILED (not measured) %s\n", f)
	}
	if ew.err != nil {
		return fmt.Errorf("report: %w", ew.err)
	}
	return nil
}

func section(w io.Writer, head string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, head)
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

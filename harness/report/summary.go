package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"metricstream/harness/analysis"
)

// SummaryWidth is the most columns a line of the terminal summary takes
// before its wide tables: it reads in an 80- or 120-column terminal
// without wrapping into a block.
const SummaryWidth = 100

// Summary writes the whole terminal summary of an analysis: the narrow
// part (WriteSummary) and then the wide tables.
func Summary(w io.Writer, a *analysis.Analysis) error { return WriteSummary(w, a, true) }

// WriteSummary writes the terminal summary of an analysis (what `lab
// experiment` prints at the end). It opens with the run's result in one
// sentence and one headline per journey step (the page's first screen),
// then the medians of every cell and variant with their SLO verdicts, the
// knees, the capacity, scaling, replica and fault findings, the seed's
// designs and the failed variants, every line at most SummaryWidth
// columns. With wide, the tables too wide for that follow (the full
// "what each step buys", the Amdahl shares, the USL fits); without, one
// line says where they are. Every number and verdict is the analysis's,
// as on the page.
func WriteSummary(w io.Writer, a *analysis.Analysis, wide bool) error {
	return writeSummary(&errWriter{w: w}, a, wide)
}

// writeSummary is WriteSummary into ew, its lines wrapped at ew's width.
func writeSummary(ew *errWriter, a *analysis.Analysis, wide bool) error {
	para(ew, "", "", "Run "+a.Run.Meta.RunID+": "+titleSentence(a))
	if hs := headlines(a); len(hs) > 0 {
		fmt.Fprintln(ew, "\nThe journey, one step per line (req/s in the step's primary scenario, 95% interval):")
		for i, h := range hs {
			n := strconv.Itoa(i+1) + ". "
			para(ew, "  "+n, strings.Repeat(" ", 2+len(n)), h.Text)
		}
	}
	fmt.Fprintln(ew)
	rowsTable(ew, a)
	if len(a.Knees) > 0 {
		fmt.Fprintf(ew, "Knees (highest load step whose trials all met the SLOs; median success ≥ %.0f%% where they carry none):\n", analysis.KneeSuccess)
		for _, k := range a.Knees {
			para(ew, "  ", "    ", k.Scenario+" "+k.Variant+": "+kneeText(k))
		}
	}
	section(ew, "Capacity at SLO (highest offered open-loop rate meeting every SLO; median and 95% CI of the searches that converged; the others counted with their bounds):", capacityLines(a))
	section(ew, "Scaling with the server's cores (-cpus; median per core count, last/first):", ScalingLines(a))
	section(ew, "Replicas (admitted 2xx per client per second over the fleet, median; × the per-replica limit):", ReplicaLines(a))
	section(ew, "Faults (each criterion per variant; medians over trials, worst case for closes, recovery, loss):", FaultLines(a))
	section(ew, DiskHead, DiskLines(a))
	if len(a.SeedDesigns) > 0 {
		fmt.Fprintln(ew, "The seed's designs (what broke, at what load, beside the corrected variant; every trial: -v):")
		for _, sd := range seedViews(a.SeedDesigns) {
			para(ew, "  ", "    ", sd.Scenario+": "+sd.Headline)
		}
	}
	for _, f := range a.Failed {
		para(ew, "", "    ", "FAILED (not measured) "+f.Variant+": "+f.Detail)
	}
	section(ew, "Problems (checks and trials that did not pass; every check: verify.json, or the page's environment):", problemLines(a.Problems))
	if wide {
		fmt.Fprintln(ew, "\nWide tables:")
		stepsSummary(ew, a)
		seedSection(ew, a.SeedDesigns)
	} else if len(a.Steps) > 0 || len(a.USL) > 0 || len(a.SeedDesigns) > 0 {
		fmt.Fprintln(ew, "\nThe full steps table, Amdahl shares, USL fits, the seed designs' trials: add -v, or see the page.")
	}
	if ew.err != nil {
		return fmt.Errorf("report: %w", ew.err)
	}
	return nil
}

// rowsTable is one row per cell and variant, under a line naming the
// cell: trials, median success, p99 and throughput, and the SLO verdict in
// short ("pass 6/6", "fail 4/6"); the SLOs a cell failed follow in full,
// and the acknowledged metrics lost where a kind counts them.
func rowsTable(w io.Writer, a *analysis.Analysis) {
	if len(a.Rows) == 0 {
		return
	}
	lost := false
	for _, r := range a.Rows {
		lost = lost || r.Kind != ""
	}
	head := []string{"VARIANT", "TRIALS", "SUCCESS", "P99", "REQ/S", "SLO"}
	if lost {
		head = append(head, "LOST (max)")
	}
	rows := [][]string{head}
	var cells []string // the cell a row of rows starts, "" when it continues one
	cells = append(cells, "")
	var failed []string
	prev := analysis.Cell{Scenario: "\x00"}
	for _, r := range a.Rows {
		slo := sloText(r.SLO)
		if !r.SLO.Met() && r.SLO.With > 0 {
			slo = fmt.Sprintf("fail %d/%d", r.SLO.Pass, r.SLO.With)
			failed = append(failed, r.Cell.String()+" "+r.Variant+": "+sloText(r.SLO))
		}
		row := []string{r.Variant, strconv.Itoa(r.Trials), FormatValue("success-%", r.Success),
			p99Text(r), FormatValue("req/s", r.Throughput), slo}
		if lost {
			l := "-"
			if r.Kind != "" {
				l = strconv.FormatInt(r.Lost, 10)
			}
			row = append(row, l)
		}
		c := ""
		if r.Cell != prev {
			c, prev = r.Cell.String(), r.Cell
		}
		rows, cells = append(rows, row), append(cells, c)
	}
	widths := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	fmt.Fprintln(w, "Medians per cell and variant (over trials; SLO: trials meeting every SLO of the scenario):")
	for i, row := range rows {
		if cells[i] != "" {
			fmt.Fprintln(w, "  "+cells[i])
		}
		var b strings.Builder
		b.WriteString("    ")
		for j, c := range row {
			b.WriteString(c)
			if j < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	if len(failed) > 0 {
		fmt.Fprintln(w, "SLOs not met:")
		for _, f := range failed {
			para(w, "  ", "    ", f)
		}
	}
}

func section(w io.Writer, head string, lines []string) {
	if len(lines) == 0 {
		return
	}
	para(w, "", "  ", head)
	for _, l := range lines {
		para(w, "  ", "    ", l)
	}
}

// para writes s wrapped to SummaryWidth columns (or an errWriter's own
// width), its first line after first and the others after rest.
func para(w io.Writer, first, rest, s string) {
	width := SummaryWidth
	if ew, ok := w.(*errWriter); ok && ew.width > 0 {
		width = ew.width
	}
	width -= max(utf8.RuneCountInString(first), utf8.RuneCountInString(rest))
	for i, l := range strings.Split(wrap(s, width), "\n") {
		if i == 0 {
			fmt.Fprintln(w, first+l)
		} else {
			fmt.Fprintln(w, rest+l)
		}
	}
}

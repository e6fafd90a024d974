package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"metricstream/harness/analysis"
)

// The Markdown renderer: the blocks a README states about a stored run
// (harness/docsgen writes them between markers and checks them against
// the run), in the same sentences and figures as the page and the
// terminal summary.

// markdownBlocks are the run blocks by kind; each takes the block's
// arguments (unit=req/s).
var markdownBlocks = map[string]func(w io.Writer, a *analysis.Analysis, args map[string]string){
	"headlines": mdHeadlines,
	"steps":     mdSteps,
	"medians":   mdMedians,
	"capacity":  mdCapacity,
	"seed":      mdSeed,
	"disk":      mdDisk,
}

// MarkdownKinds are the kinds of run block WriteMarkdown renders.
func MarkdownKinds() []string {
	ks := make([]string, 0, len(markdownBlocks))
	for k := range markdownBlocks {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// WriteMarkdown renders one README block of kind about an analysis:
//
//	headlines  the run's result in a sentence and one headline per journey step
//	steps      a table of the journey's steps: cell, effect with its 95% interval, p, outcome
//	medians    a table of every scenario's median of a unit (unit=, default req/s) per variant
//	capacity   a table of the capacity at SLO per variant, with its 95% interval
//	seed       the seed designs' headlines, one per scenario
//	disk       the disk-fault table: per cell and writer, acknowledged against landed, 503s, p99, recovery, exit, memory
func WriteMarkdown(w io.Writer, a *analysis.Analysis, kind string, args map[string]string) error {
	f, ok := markdownBlocks[kind]
	if !ok {
		return fmt.Errorf("report: no markdown block %q (have %s)", kind, strings.Join(MarkdownKinds(), ", "))
	}
	ew := &errWriter{w: w}
	f(ew, a, args)
	if ew.err != nil {
		return fmt.Errorf("report: %w", ew.err)
	}
	return nil
}

// mdCell escapes a table cell.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func mdRow(w io.Writer, cells ...string) {
	for i := range cells {
		cells[i] = mdCell(cells[i])
	}
	fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
}

func mdHead(w io.Writer, cells ...string) {
	mdRow(w, cells...)
	fmt.Fprintln(w, strings.Repeat("|---", len(cells))+"|")
}

func mdHeadlines(w io.Writer, a *analysis.Analysis, _ map[string]string) {
	fmt.Fprintln(w, titleSentence(a))
	hs := headlines(a)
	if len(hs) > 0 {
		fmt.Fprintln(w)
	}
	for i, h := range hs {
		fmt.Fprintf(w, "%d. %s\n", i+1, h.Text)
	}
}

func mdSteps(w io.Writer, a *analysis.Analysis, _ map[string]string) {
	if len(a.Steps) == 0 {
		fmt.Fprintln(w, "No journey step in this run.")
		return
	}
	mdHead(w, "step", "change", "primary cell", "paired effect [95% interval], p adjusted over the run's family", "capacity at SLO")
	for _, r := range a.Steps {
		cell := "-"
		if r.Effect != nil {
			cell = "`" + r.Cell.String() + "`"
			if r.Targeted {
				cell += " (targets " + r.Dimension + ")"
			} else {
				cell += " (no scenario targets " + r.Dimension + ")"
			}
		}
		change := r.New + " vs " + r.Old
		if c := changeText(r.Change); c != "" {
			change += " (" + c + ")"
		}
		mdRow(w, r.Dimension, change, cell, effectText(r.Effect), capacityStepText(r))
	}
}

func mdMedians(w io.Writer, a *analysis.Analysis, args map[string]string) {
	unit := args["unit"]
	if unit == "" {
		unit = "req/s"
	}
	fmt.Fprintf(w, "Median %s per cell and variant ± the half-width of its 95%% interval (%s):\n\n", analysis.UnitLabel(unit), betterText(a, unit))
	mdHead(w, append([]string{"cell"}, a.Variants...)...)
	for _, c := range a.Cells {
		row := []string{"`" + c.String() + "`"}
		any := false
		for _, v := range a.Variants {
			if s := a.Sample(c, v, unit); s != nil {
				row, any = append(row, FormatSummary(unit, s.Summary)), true
			} else {
				row = append(row, "-")
			}
		}
		if any {
			mdRow(w, row...)
		}
	}
}

func mdCapacity(w io.Writer, a *analysis.Analysis, _ map[string]string) {
	rows := a.CapacityRows()
	if len(rows) == 0 {
		fmt.Fprintln(w, "No capacity search in this run.")
		return
	}
	mdHead(w, "cell", "variant", "SLO", "capacity (median)", "95% interval", "trials", "searches")
	for _, r := range capacityViews(a) {
		mdRow(w, "`"+r.Cell.String()+"`", r.Variant, r.SLO, r.Median, r.CI, fmt.Sprint(r.Trials), r.Search)
	}
}

func mdSeed(w io.Writer, a *analysis.Analysis, _ map[string]string) {
	if len(a.SeedDesigns) == 0 {
		fmt.Fprintln(w, "No seed-design scenario in this run.")
		return
	}
	for _, s := range seedViews(a.SeedDesigns) {
		fmt.Fprintf(w, "- `%s`: %s\n", s.Scenario, s.Headline)
	}
}

// RunLine describes a run in one sentence for a README: its id, when,
// on what, how many trials per cell, and its notes (where it says, for
// example, that the machine was loaded).
func RunLine(a *analysis.Analysis) string {
	m := a.Run.Meta
	s := fmt.Sprintf("run `%s`", runID(a.Run))
	var on []string
	if !m.Date.IsZero() {
		on = append(on, m.Date.UTC().Format("2006-01-02"))
	}
	if m.NumCPU > 0 {
		on = append(on, fmt.Sprintf("%d CPUs", m.NumCPU))
	}
	if m.GoVersion != "" {
		on = append(on, m.GoVersion)
	}
	if m.Count > 0 {
		on = append(on, fmt.Sprintf("%d trial%s per cell", m.Count, plural(m.Count)))
	}
	if len(on) > 0 {
		s += " (" + strings.Join(on, ", ") + ")"
	}
	scs := slices.Compact(slices.Clone(m.Scenarios))
	if len(scs) > 0 {
		s += ", scenarios " + strings.Join(scs, ", ")
	}
	return s
}

func mdDisk(w io.Writer, a *analysis.Analysis, _ map[string]string) {
	rows := diskRows(a)
	if len(rows) == 0 {
		fmt.Fprintln(w, "The run has no disk-fault trials.")
		return
	}
	mdHead(w, "cell", "variant", "writer", "metrics acknowledged → landed", "503", "p99 of the accepted", "2xx again after room / write delay", "exit", "RSS start → peak")
	for _, r := range rows {
		mdRow(w, "`"+r.Cell+"`", r.Variant, r.Writer, r.Landed, r.Refused, r.P99, r.Recovery, r.Exit, r.Memory)
	}
}

package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// SummaryTable is one unit's medians: a row per cell, a column per variant.
type SummaryTable struct {
	Unit     string
	Better   string // "higher is better" / "lower is better"
	Variants []string
	Rows     []SummaryRow
}

// SummaryRow is one cell of a SummaryTable, formatted.
type SummaryRow struct {
	Cell   string
	Values []string // per variant: "2.10ms ± 3%", "2.10ms (n=3, no CI)" or "-"
}

// CompareTable is one pair's comparisons, formatted.
type CompareTable struct {
	analysis.Pair
	Diff string // how the pair's variants differ: diffText
	Rows []CompareRow
}

// CompareRow is one comparison, formatted as both the page and `lab
// compare` print it: Old and New are the arms' medians (± their 95%
// interval, as benchstat states them); Delta the paired effect with its
// 95% interval, P the signed-rank p, PAdj its adjustment over the run's
// family, N the paired rounds; UDelta and UP benchstat's unpaired delta of
// the medians and Mann-Whitney p, for reference; Null what a
// non-significant tested comparison rules out.
type CompareRow struct {
	Cell, Unit, Old, New, Delta, P, PAdj, N, Outcome string
	UDelta, UP                                       string
	Primary                                          bool
	Null                                             string
}

// summaryTables formats the medians of every unit.
func summaryTables(a *analysis.Analysis) []SummaryTable {
	var out []SummaryTable
	for _, u := range a.UnitNames {
		t := SummaryTable{Unit: u, Variants: a.Variants, Better: betterText(a, u)}
		for _, c := range a.Cells {
			row := SummaryRow{Cell: c.String()}
			any := false
			for _, v := range a.Variants {
				s := a.Sample(c, v, u)
				if s == nil {
					row.Values = append(row.Values, "-")
					continue
				}
				any = true
				row.Values = append(row.Values, FormatSummary(u, s.Summary))
			}
			if any {
				t.Rows = append(t.Rows, row)
			}
		}
		out = append(out, t)
	}
	return out
}

// compareTables formats the comparisons, one table per pair.
func compareTables(a *analysis.Analysis) []CompareTable {
	var out []CompareTable
	for _, p := range a.Pairs {
		t := CompareTable{Pair: p, Diff: diffText(a.Diff(p))}
		for i := range a.Comparisons {
			c := &a.Comparisons[i]
			if c.Pair != p {
				continue
			}
			e := c.Effect
			row := CompareRow{
				Cell:    c.Cell.String(),
				Unit:    c.Unit,
				Old:     summaryText(c.Unit, c.Old),
				New:     summaryText(c.Unit, c.New),
				Delta:   pairedText(e),
				P:       FormatP(e.P),
				PAdj:    FormatP(c.PAdj),
				N:       roundsText(e),
				Outcome: OutcomeWord(c.Outcome()),
				UDelta:  FormatDelta(c.Delta),
				UP:      FormatP(c.P),
				Primary: c.Primary,
			}
			if c.Tested && !c.Significant() {
				row.Null = nullText(c)
			}
			t.Rows = append(t.Rows, row)
		}
		out = append(out, t)
	}
	return out
}

// pairComparisons are p's comparisons of unit, in cell order.
func pairComparisons(a *analysis.Analysis, p analysis.Pair, unit string) []*analysis.Comparison {
	var out []*analysis.Comparison
	for i := range a.Comparisons {
		if c := &a.Comparisons[i]; c.Pair == p && c.Unit == unit {
			out = append(out, c)
		}
	}
	return out
}

// noiseText is what a paired effect's rounds cost in noise per machine
// time: "per-round spread 0.120 (log ratio), 1.20s of trials a round
// (duet): variance × machine minutes 2.9e-04".
func noiseText(e analysis.Effect) string {
	how := "sequential"
	if e.Duet {
		how = "duet"
	}
	return fmt.Sprintf("per-round spread %.3f (log ratio), %s of trials a round (%s): variance × machine minutes %.2g",
		e.Spread, FormatNS(e.RoundSeconds*1e9), how, e.NoisePerMinute())
}

// summaryText is a median as benchstat states it, or "censored" when every
// value of the arm was.
func summaryText(unit string, s analysis.Summary) string {
	if s.N == 0 {
		return "censored"
	}
	return FormatSummary(unit, s)
}

// pairedText is a paired effect with its interval: "+5.2% [−3.1%, +14%]".
func pairedText(e analysis.Effect) string {
	if e.Rounds == 0 {
		return "-"
	}
	s := FormatDelta(e.Estimate)
	if iv := intervalText(e.Lo, e.Hi); iv != "" {
		s += " " + iv
	}
	return s
}

// roundsText is the paired rounds, with those left out: "6", "4 (2
// censored)".
func roundsText(e analysis.Effect) string {
	s := strconv.Itoa(e.Rounds)
	var out []string
	if e.Censored > 0 {
		out = append(out, strconv.Itoa(e.Censored)+" censored")
	}
	if e.Missing > 0 {
		out = append(out, strconv.Itoa(e.Missing)+" unpaired")
	}
	if e.NonPositive > 0 {
		out = append(out, strconv.Itoa(e.NonPositive)+" at 0")
	}
	if len(out) > 0 {
		s += " (" + strings.Join(out, ", ") + ")"
	}
	return s
}

// Compare analyses run and writes its comparison tables as text: the
// medians per unit, each compared pair with its paired effect (interval,
// signed-rank p and its adjustment over the run's family) beside
// benchstat's unpaired delta and p, what each non-significant throughput
// comparison rules out, and the verdict lines. The numbers are those of
// the report page. `lab compare` prints this.
func Compare(w io.Writer, run *results.Run) error {
	a, err := analysis.Analyze(run)
	if err != nil {
		return err
	}
	return WriteText(w, a)
}

// WriteText writes the text form of the analysis (see Compare).
func WriteText(w io.Writer, a *analysis.Analysis) error {
	ew := &errWriter{w: w}
	id := a.Run.Meta.RunID
	fmt.Fprintf(ew, "run: %s\nsource: %s\n", id, a.Source)
	fmt.Fprintln(ew, wrap(methodText(a), 100))
	for _, t := range summaryTables(a) {
		fmt.Fprintf(ew, "\n%s (%s)\n", t.Unit, t.Better)
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "cell\t"+strings.Join(t.Variants, "\t"))
		for _, r := range t.Rows {
			fmt.Fprintln(tw, r.Cell+"\t"+strings.Join(r.Values, "\t"))
		}
		tw.Flush()
	}
	for _, t := range compareTables(a) {
		fmt.Fprintf(ew, "\n%s vs %s [%s]", t.New, t.Old, t.Kind)
		if t.Diff != "" {
			fmt.Fprintf(ew, " (%s)", t.Diff)
		}
		fmt.Fprintln(ew)
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "cell\tunit\t%s\t%s\tpaired effect [95%%]\tp\tp (family)\trounds\tresult\tunpaired Δ\tp (U)\n", t.Old, t.New)
		for _, r := range t.Rows {
			unit := r.Unit
			if r.Primary {
				unit += " (primary)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Cell, unit, r.Old, r.New, r.Delta, r.P, r.PAdj, r.N, r.Outcome, r.UDelta, r.UP)
		}
		tw.Flush()
		for _, r := range t.Rows {
			if r.Null != "" && (r.Primary || r.Unit == analysis.ThroughputUnit || r.Unit == analysis.CapacityUnit) {
				fmt.Fprintf(ew, "  %s %s: %s\n", r.Cell, analysis.UnitLabel(r.Unit), r.Null)
			}
		}
		for _, c := range pairComparisons(a, t.Pair, analysis.ThroughputUnit) {
			if e := c.Effect; e.Rounds >= 2 && !math.IsNaN(e.NoisePerMinute()) {
				fmt.Fprintf(ew, "  %s throughput noise: %s\n", c.Cell, noiseText(e))
			}
		}
	}
	if len(a.Verdicts) > 0 {
		fmt.Fprintln(ew, "\nverdicts (paired; p adjusted over the run's family):")
		for _, v := range verdictViews(a) {
			fmt.Fprintln(ew, "  "+v.Text)
		}
	}
	if ew.err != nil {
		return fmt.Errorf("report: %w", ew.err)
	}
	return nil
}

type errWriter struct {
	w   io.Writer
	err error
	// width is the columns para wraps at; 0 is SummaryWidth.
	width int
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		l := len([]rune(word))
		if i > 0 && n+1+l > width {
			b.WriteByte('\n')
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += l
	}
	return b.String()
}

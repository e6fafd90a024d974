package report

import (
	"fmt"
	"io"
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
	Rows []CompareRow
}

// CompareRow is one comparison, formatted as both the page and `lab
// compare` print it.
type CompareRow struct {
	Cell, Unit, Old, New, Delta, P, PAdj, N, Outcome string
}

// summaryTables formats the medians of every unit.
func summaryTables(a *analysis.Analysis) []SummaryTable {
	var out []SummaryTable
	for _, u := range a.UnitNames {
		t := SummaryTable{Unit: u, Variants: a.Variants, Better: a.BetterText(u)}
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
				row.Values = append(row.Values, analysis.FormatSummary(u, s.Summary))
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
		t := CompareTable{Pair: p}
		for i := range a.Comparisons {
			c := &a.Comparisons[i]
			if c.Pair != p {
				continue
			}
			t.Rows = append(t.Rows, CompareRow{
				Cell:    c.Cell.String(),
				Unit:    c.Unit,
				Old:     analysis.FormatSummary(c.Unit, c.Old),
				New:     analysis.FormatSummary(c.Unit, c.New),
				Delta:   analysis.FormatDelta(c.Delta),
				P:       analysis.FormatP(c.P),
				PAdj:    analysis.FormatP(c.PAdj),
				N:       analysis.FormatN(c.N1, c.N2),
				Outcome: c.Outcome(),
			})
		}
		out = append(out, t)
	}
	return out
}

// Compare analyses run and writes its comparison tables as benchstat-like
// text: the medians per unit, each compared pair with delta, raw and
// Holm-adjusted p-values, and the verdict lines. The numbers are those of
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
	fmt.Fprintln(ew, wrap(a.Method(), 100))
	if w := a.Power(); w != "" {
		fmt.Fprintln(ew, wrap("Note: "+w, 100))
	}
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
		fmt.Fprintf(tw, "cell\tunit\t%s\t%s\tdelta\tp\tp (Holm)\tn\tresult\n", t.Old, t.New)
		for _, r := range t.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Cell, r.Unit, r.Old, r.New, r.Delta, r.P, r.PAdj, r.N, r.Outcome)
		}
		tw.Flush()
	}
	if len(a.Verdicts) > 0 {
		fmt.Fprintln(ew, "\nverdicts (Holm-adjusted p):")
		for _, v := range a.Verdicts {
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

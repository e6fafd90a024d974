package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

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
	Pair
	Rows []CompareRow
}

// CompareRow is one comparison, formatted as both the page and `lab
// compare` print it.
type CompareRow struct {
	Cell, Unit, Old, New, Delta, P, PAdj, N, Outcome string
}

// SummaryTables formats the medians of every unit.
func (a *Analysis) SummaryTables() []SummaryTable {
	var out []SummaryTable
	for _, u := range a.UnitNames {
		t := SummaryTable{Unit: u, Variants: a.Variants, Better: betterText(u)}
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

func betterText(unit string) string {
	switch Direction(unit) {
	case +1:
		return "higher is better"
	case -1:
		return "lower is better"
	}
	return "direction unknown"
}

// CompareTables formats the comparisons, one table per pair.
func (a *Analysis) CompareTables() []CompareTable {
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
				Old:     FormatSummary(c.Unit, c.Old),
				New:     FormatSummary(c.Unit, c.New),
				Delta:   FormatDelta(c.Delta),
				P:       FormatP(c.P),
				PAdj:    FormatP(c.PAdj),
				N:       formatN(c.N1, c.N2),
				Outcome: c.Outcome(),
			})
		}
		out = append(out, t)
	}
	return out
}

// Method says how the numbers were obtained, for the page and the text.
func (a *Analysis) Method() string {
	return fmt.Sprintf("Medians with %.0f%% confidence intervals (benchmath, assuming nothing about the distribution; "+
		"an interval needs ≥ %d trials per cell). Comparisons: Mann-Whitney U test; p-values adjusted with Holm-Bonferroni "+
		"within each family of comparisons of one scenario step and one unit (the pairs one table compares; %d tested in all) and judged at α=%.2f (comparisons with fewer than %d trials on a side are shown but not tested). "+
		"Delta is the change of the median, new vs old; better/worse follows the unit: success-%% and req/s higher is better, ns/op and *-ns lower is better.",
		Confidence*100, MinTrials, a.Tested, Alpha, MinTrials)
}

// minUTestP is the smallest two-sided p-value the Mann-Whitney U test can
// give for samples of n1 and n2 distinct values: 2 / C(n1+n2, n1).
func minUTestP(n1, n2 int) float64 {
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// Power warns when the trial count leaves the corrected test little
// chance: the smallest p a cell can reach against the first Holm threshold
// α/m.
func (a *Analysis) Power() string {
	if a.Tested == 0 {
		return ""
	}
	n := 0
	for _, c := range a.Comparisons {
		if c.Tested && (n == 0 || min(c.N1, c.N2) < n) {
			n = min(c.N1, c.N2)
		}
	}
	minP := minUTestP(n, n)
	first := Alpha / float64(a.Family)
	if minP <= first {
		return ""
	}
	return fmt.Sprintf("With %d trials per variant the smallest p-value the U test can give is %s, above %s (α/%d, the first Holm threshold): "+
		"such cells reach significance only when many other comparisons do. %d trials per cell allow p down to %s.",
		n, g2(minP), g2(first), a.Family, 10, g2(minUTestP(10, 10)))
}

func g2(p float64) string { return strconv.FormatFloat(p, 'g', 2, 64) }

// Compare analyses run and writes its comparison tables as benchstat-like
// text: the medians per unit, each compared pair with delta, raw and
// Holm-adjusted p-values, and the verdict lines. The numbers are those of
// the report page. `lab compare` prints this.
func Compare(run *results.Run, w io.Writer) error {
	a, err := Analyze(run)
	if err != nil {
		return err
	}
	return a.WriteText(w)
}

// WriteText writes the text form of the analysis (see Compare).
func (a *Analysis) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	id := a.Run.Meta.RunID
	fmt.Fprintf(ew, "run: %s\nsource: %s\n", id, a.Source)
	fmt.Fprintln(ew, wrap(a.Method(), 100))
	if w := a.Power(); w != "" {
		fmt.Fprintln(ew, wrap("Note: "+w, 100))
	}
	for _, t := range a.SummaryTables() {
		fmt.Fprintf(ew, "\n%s (%s)\n", t.Unit, t.Better)
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "cell\t"+strings.Join(t.Variants, "\t"))
		for _, r := range t.Rows {
			fmt.Fprintln(tw, r.Cell+"\t"+strings.Join(r.Values, "\t"))
		}
		tw.Flush()
	}
	for _, t := range a.CompareTables() {
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

package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"metricstream/harness/analysis"
)

// MedianTable is the page's medians of one scenario: a row per variant
// (per step and variant in a stepped scenario), a column per unit the
// scenario has. The trial count is said once per row, and that a median
// has no confidence interval once per table, instead of "(n=2, no CI)" in
// every cell.
type MedianTable struct {
	Scenario string
	Stepped  bool
	Units    []MedianUnit
	Rows     []MedianRow
	NoCI     bool // some median has no interval (fewer than MinTrials trials)
	// Censored: some median leaves out trials whose value is only a
	// bound (analysis.Censored), and says how many.
	Censored bool
}

// MedianUnit is one column: the unit and which way is better.
type MedianUnit struct {
	Name   string
	Better string // "↑" higher is better, "↓" lower is better, "" unknown
	Title  string // "higher is better" …
}

// MedianRow is one variant (in one step) of a MedianTable.
type MedianRow struct {
	Cell    string
	Step    string
	Variant string
	N       string   // trials, e.g. "6" (a range "5-6" when units differ)
	Values  []string // per unit: "2.10ms ± 3%", "2.10ms" (no CI), with "(+2 censored)", "censored (6)" or "-"
	NoCI    []bool   // per unit: the value has no interval
	First   bool     // first row of its step (the page starts a group)
	StepLen int      // rows in its step (for the first row's rowspan)
}

// medianTables lays out the analysis's medians one table per scenario.
func medianTables(a *analysis.Analysis) []MedianTable {
	var out []MedianTable
	byScenario := map[string]int{}
	for _, c := range a.Cells {
		i, ok := byScenario[c.Scenario]
		if !ok {
			i = len(out)
			byScenario[c.Scenario] = i
			out = append(out, MedianTable{Scenario: c.Scenario})
		}
		t := &out[i]
		if c.Step != "" {
			t.Stepped = true
		}
		first := len(t.Rows)
		for _, v := range a.Variants {
			row := MedianRow{Cell: c.String(), Step: c.Step, Variant: v}
			lo, hi := 0, 0
			any := false
			for _, u := range a.UnitNames {
				s := a.Sample(c, v, u)
				if s == nil {
					continue
				}
				any = true
				if lo == 0 || s.Summary.N < lo {
					lo = s.Summary.N
				}
				hi = max(hi, s.Summary.N)
			}
			if !any {
				continue
			}
			row.N = strconv.Itoa(hi)
			if lo != hi {
				row.N = strconv.Itoa(lo) + "-" + row.N
			}
			t.Rows = append(t.Rows, row)
		}
		if n := len(t.Rows) - first; n > 0 {
			t.Rows[first].First, t.Rows[first].StepLen = true, n
		}
	}
	// columns: the units any row of the scenario has, in the analysis's order
	for ti := range out {
		t := &out[ti]
		for _, u := range a.UnitNames {
			has := false
			for _, r := range t.Rows {
				if c := cellOf(a, r.Cell); a.Sample(c, r.Variant, u) != nil || a.Censored(c, r.Variant, u) > 0 {
					has = true
					break
				}
			}
			if !has {
				continue
			}
			mu := MedianUnit{Name: u, Title: betterText(a, u)}
			switch a.Direction(u) {
			case +1:
				mu.Better = "↑"
			case -1:
				mu.Better = "↓"
			}
			t.Units = append(t.Units, mu)
		}
		for ri := range t.Rows {
			r := &t.Rows[ri]
			c := cellOf(a, r.Cell)
			for _, u := range t.Units {
				s, cens := a.Sample(c, r.Variant, u.Name), a.Censored(c, r.Variant, u.Name)
				var v string
				switch {
				case s == nil && cens > 0:
					v = fmt.Sprintf("censored (%d)", cens)
				case s == nil:
					v = "-"
				case !s.Summary.HasCI:
					v = FormatValue(u.Name, s.Summary.Center)
					t.NoCI = true
				default:
					v = FormatSummary(u.Name, s.Summary)
				}
				if s != nil && cens > 0 {
					v += fmt.Sprintf(" (+%d censored)", cens)
				}
				t.Censored = t.Censored || cens > 0
				r.Values, r.NoCI = append(r.Values, v), append(r.NoCI, s != nil && !s.Summary.HasCI)
			}
		}
	}
	return out
}

// cellOf finds the analysis cell named name.
func cellOf(a *analysis.Analysis, name string) analysis.Cell {
	for _, c := range a.Cells {
		if c.String() == name {
			return c
		}
	}
	return analysis.Cell{}
}

// StepsPassed says how many of the variant's verification steps passed,
// "7/7", for the page's one-line summary (the steps unfold below it).
func (c CheckView) StepsPassed() string {
	ok := 0
	for _, s := range c.Steps {
		if s.OK {
			ok++
		}
	}
	return strconv.Itoa(ok) + "/" + strconv.Itoa(len(c.Steps))
}

// StepsFailed reports whether a verification step failed (the page then
// shows the steps unfolded).
func (c CheckView) StepsFailed() bool {
	for _, s := range c.Steps {
		if !s.OK {
			return true
		}
	}
	return false
}

// tooFew is how a verdict says none of its cell's comparisons could be
// tested.
const tooFew = "too few trials to tell"

// ToldVerdicts are the verdicts that say something; FewVerdicts those that
// had too few trials, which the page folds under one line.
func (r *Report) ToldVerdicts() []VerdictView { return r.verdicts(false) }

// FewVerdicts are the verdicts with too few trials to tell.
func (r *Report) FewVerdicts() []VerdictView { return r.verdicts(true) }

func (r *Report) verdicts(few bool) []VerdictView {
	var out []VerdictView
	for _, v := range r.Verdicts {
		if v.TooFew == few {
			out = append(out, v)
		}
	}
	return out
}

// Tally counts a comparison table's outcomes for the page's one-line
// summary of it: "3 better, 1 worse, 20 ~, 2 censored, 24 too few
// trials, 12 no verdict".
func (t CompareTable) Tally() string {
	n := map[string]int{}
	for _, r := range t.Rows {
		n[r.Outcome]++
	}
	var parts []string
	for _, o := range []string{"better", "worse", "changed", "~", "censored", "too few trials", "no verdict"} {
		if n[o] > 0 {
			parts = append(parts, strconv.Itoa(n[o])+" "+o)
		}
	}
	if len(parts) == 0 {
		return "no rows"
	}
	return strings.Join(parts, ", ")
}

// Decided reports whether a row of the table is better, worse or changed
// (the page then shows the table unfolded).
func (t CompareTable) Decided() bool {
	for _, r := range t.Rows {
		if r.Outcome == "better" || r.Outcome == "worse" || r.Outcome == "changed" {
			return true
		}
	}
	return false
}

// noCINote matches the " (n=3, no CI)" FormatSummary appends to a median
// without an interval; the page's comparison tables have an n column and
// say once that such values have no interval.
var noCINote = regexp.MustCompile(` \(n=[0-9]+, no CI\)$`)

// pageValue is a formatted summary without its "(n=…, no CI)" note.
func pageValue(s string) string { return noCINote.ReplaceAllString(s, "") }

// The folded sections' one-line summaries, so a reader sees what is inside
// before unfolding it.

// VerdictTally counts the verdicts: "4 with a significant difference, 20
// without, 6 with too few trials to tell".
func (r *Report) VerdictTally() string {
	sig, none := 0, 0
	for _, v := range r.ToldVerdicts() {
		if v.Decided {
			sig++
		} else {
			none++
		}
	}
	parts := []string{strconv.Itoa(sig) + " with a significant difference", strconv.Itoa(none) + " without"}
	if n := len(r.FewVerdicts()); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" with too few trials to tell")
	}
	return joinAnd(parts)
}

// ClaimTally counts the seed's claims by outcome: "1 met, 3 not met, 1
// not checkable here".
func (r *Report) ClaimTally() string {
	n := map[string]int{}
	for _, c := range r.Claims {
		n[c.Met]++
	}
	var parts []string
	for _, o := range []struct{ key, words string }{{"yes", "met"}, {"no", "not met"}, {"n/a", "not checkable here"}} {
		if n[o.key] > 0 {
			parts = append(parts, strconv.Itoa(n[o.key])+" "+o.words)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return joinAnd(parts)
}

// SLOTally counts the SLO table's cells: "30 of 36 variants × cells met
// every SLO".
func (r *Report) SLOTally() string {
	n := map[string]int{}
	for _, row := range r.SLOs.Rows {
		for _, c := range row.Cells {
			n[c.Class]++
		}
	}
	if n["pass"]+n["fail"] == 0 {
		return "no trial carried an SLO"
	}
	return fmt.Sprintf("%d of %d variants × cells met every SLO", n["pass"], n["pass"]+n["fail"])
}

// CheckTally says how the variants' verification went: "6 variants,
// every one verified and intact" or "3 variants; failed: phase3#2".
func (r *Report) CheckTally() string {
	var failed, trials []string
	steps := 0
	for _, c := range r.Checks {
		if c.Recorded && (!c.Verified || !c.Intact || c.Failed != "") {
			failed = append(failed, c.Variant)
		}
		n := 0
		for _, s := range c.Steps {
			if !s.OK && s.Trial != "" {
				n++
			}
		}
		if n > 0 {
			steps += n
			trials = append(trials, c.Variant)
		}
	}
	head := fmt.Sprintf("%d variant%s", len(r.Checks), plural(len(r.Checks)))
	if len(failed) == 0 {
		head += ", every recorded one verified and intact"
	} else {
		head += "; failed verification or integrity: " + strings.Join(failed, ", ")
	}
	if steps > 0 {
		// a trial's own checks (its exit, its file's integrity) are the
		// trial's findings, not the variant's verification: said apart
		head += fmt.Sprintf("; %d trial check%s failed (%s)", steps, plural(steps), strings.Join(trials, ", "))
	}
	return head
}

package report

import (
	"fmt"
	"io"

	"metricstream/harness/analysis"
)

// SeedView is one seed-design scenario as the page and the summary say it.
type SeedView struct {
	Scenario string
	Headline string
	Rows     []SeedRowView
	Careless []analysis.CarelessTable
}

// SeedRowView is one trial of a seed-design scenario, in words.
type SeedRowView struct {
	Cell       analysis.Cell
	Variant    string
	SeedDesign bool
	Text       string
}

// seedViews words the analysis's seed-design sections.
func seedViews(seeds []analysis.Seed) []SeedView {
	var out []SeedView
	for _, s := range seeds {
		v := SeedView{Scenario: s.Scenario, Headline: seedHeadlineText(s.Headline), Careless: s.Careless}
		for _, r := range s.Rows {
			v.Rows = append(v.Rows, SeedRowView{Cell: r.Cell, Variant: r.Variant, SeedDesign: r.SeedDesign, Text: seedText(r.Trial)})
		}
		out = append(out, v)
	}
	return out
}

// seedSection writes "The seed's designs" of the terminal summary: per
// seed-design scenario its headline, each trial's sentence, and the parser
// corpus table.
func seedSection(w io.Writer, seeds []analysis.Seed) {
	if len(seeds) == 0 {
		return
	}
	fmt.Fprintln(w, "The seed's designs (what broke, at what load, beside the corrected variant):")
	for _, s := range seedViews(seeds) {
		fmt.Fprintf(w, "  %s: %s\n", s.Scenario, s.Headline)
		for _, r := range s.Rows {
			mark := ""
			if r.SeedDesign {
				mark = " (seed_design)"
			}
			step := r.Cell.Step
			if step == "" {
				step = "-"
			}
			fmt.Fprintf(w, "    %s %s%s: %s\n", step, r.Variant, mark, r.Text)
		}
		for _, t := range s.Careless {
			fmt.Fprintf(w, "    %s: %-24s %6s %6s %11s %16s %19s\n", t.Variant, "input class", "inputs", "right", "wrong value", "accepted garbage", "refused valid input")
			for _, r := range t.Rows {
				fmt.Fprintf(w, "    %s: %-24s %6d %6d %11d %16d %19d\n", t.Variant, r.Class, r.Inputs, r.Right, r.Wrong, r.Garbage, r.Refused)
			}
		}
	}
}

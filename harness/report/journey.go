package report

import (
	"fmt"
	"math"
	"strings"

	"metricstream/harness/analysis"
)

// Claim is a figure the seed (seed/metricstream-learning-path.md) claims
// for a step of the journey.
type Claim struct {
	Preset   string  // journey preset the claim is about
	Chapter  string  // seed chapter
	Clients  int     // closed-loop clients it is stated at; 0: any
	Unit     string  // bench unit it is about
	Text     string  // what the seed says
	Value    float64 // the seed's figure (a factor when Relative is set)
	Upper    float64 // upper end of a range, else 0
	Relative string  // the preset a factor is relative to
	Op       string  // how ours must compare to pass: ">=", "<" or "≈"
}

// SeedClaims are the seed's figures the journey chart shows beside ours.
var SeedClaims = []Claim{
	{Preset: "baseline", Chapter: "8", Clients: 50, Unit: "success-%", Text: "59% success at 50 clients before async I/O", Value: 59, Op: "≈"},
	{Preset: "phase2", Chapter: "8", Clients: 50, Unit: "success-%", Text: "66% success at 50 clients with async I/O (59% → 66%)", Value: 66, Op: ">="},
	{Preset: "phase3", Chapter: "6", Clients: 100, Unit: "success-%", Text: "80%+ success at 100 clients after the JSON optimization", Value: 80, Op: ">="},
	{Preset: "phase3", Chapter: "6", Clients: 100, Unit: "ns/op", Text: "< 3 ms average latency at 100 clients", Value: 3e6, Op: "<"},
	{Preset: "phase3", Chapter: "6", Unit: "req/s", Text: "2-3x throughput from the single-pass parser", Value: 2, Upper: 3, Relative: "phase2", Op: ">="},
}

// ClaimCheck is a seed claim set against this run.
type ClaimCheck struct {
	Claim
	Cell  analysis.Cell
	Seed  string // the seed's figure, formatted
	Ours  string // ours, formatted ("-" when the run cannot tell)
	Met   string // "yes", "no" or "n/a"
	Why   string // why n/a
	ours  float64
	valid bool

	Mechanism string // for a claim not met: what this run measured of why (steps.go)
}

// cellClients is the median number of closed-loop clients of a cell, or 0.
func (ix *trialIndex) cellClients(c analysis.Cell) int { return ix.a.Series.Clients[c] }

// headlineCells are the cells the journey is told at: seed-50x10 and
// seed-100x10 when the run has them, else one cell of the first scenario
// (a step at 100 or 50 clients when it has one, else its highest step).
func headlineCells(ix *trialIndex) []analysis.Cell {
	var out []analysis.Cell
	for _, s := range []string{"seed-50x10", "seed-100x10"} {
		if cs := ix.cellsOf(s); len(cs) > 0 {
			out = append(out, cs[len(cs)-1])
		}
	}
	if len(out) > 0 || len(ix.cells) == 0 {
		return out
	}
	cs := ix.cellsOf(ix.scenarios()[0])
	for _, want := range []int{100, 50} {
		for _, c := range cs {
			if ix.cellClients(c) == want {
				return []analysis.Cell{c}
			}
		}
	}
	return []analysis.Cell{cs[len(cs)-1]}
}

// claimCell finds the cell a claim is checked at: seed-<clients>x10, else
// the first closed-loop cell with the claim's client count, else (claims at
// any load) the first headline cell.
func claimCell(ix *trialIndex, cl Claim, heads []analysis.Cell) (analysis.Cell, bool) {
	if cl.Clients == 0 {
		if len(heads) == 0 {
			return analysis.Cell{}, false
		}
		return heads[0], true
	}
	if cs := ix.cellsOf(fmt.Sprintf("seed-%dx10", cl.Clients)); len(cs) > 0 {
		return cs[len(cs)-1], true
	}
	for _, c := range ix.cells {
		if ix.cellClients(c) == cl.Clients {
			return c, true
		}
	}
	return analysis.Cell{}, false
}

// checkClaims sets each seed claim against the run's medians.
func checkClaims(a *analysis.Analysis, ix *trialIndex, heads []analysis.Cell) []ClaimCheck {
	presets, labels := analysis.JourneyLabels(a.Run, a.Variants)
	labelOf := map[string]string{}
	for i, p := range presets {
		labelOf[p] = labels[i]
	}
	var out []ClaimCheck
	for _, cl := range SeedClaims {
		cc := ClaimCheck{Claim: cl, Ours: "-", Met: "n/a"}
		if cl.Relative != "" {
			cc.Seed = fmt.Sprintf("%g-%g× %s", cl.Value, cl.Upper, cl.Relative)
		} else {
			cc.Seed = FormatValue(cl.Unit, cl.Value)
		}
		cell, ok := claimCell(ix, cl, heads)
		label, have := labelOf[cl.Preset]
		switch {
		case !have:
			cc.Why = "the run has no " + cl.Preset
		case !ok:
			cc.Why = fmt.Sprintf("the run has no closed-loop cell at %d clients", cl.Clients)
		default:
			cc.Cell = cell
			v, ok := a.Center(cell, label, cl.Unit)
			if !ok {
				cc.Why = "no " + cl.Unit + " for " + label + " in " + cell.String()
				break
			}
			if cl.Relative != "" {
				rl, have := labelOf[cl.Relative]
				base, ok := a.Center(cell, rl, cl.Unit)
				if !have || !ok || base == 0 {
					cc.Why = "no " + cl.Relative + " to compare with in " + cell.String()
					break
				}
				v /= base
				cc.Ours = fmt.Sprintf("%.2f× %s", v, cl.Relative)
			} else {
				cc.Ours = FormatValue(cl.Unit, v)
			}
			cc.ours, cc.valid = v, true
			met := false
			switch cl.Op {
			case ">=":
				met = v >= cl.Value
			case "<":
				met = v < cl.Value
			case "≈":
				met = math.Abs(v-cl.Value) <= 0.1*cl.Value
			}
			cc.Met = "no"
			if met {
				cc.Met = "yes"
			}
		}
		out = append(out, cc)
	}
	return out
}

// journeyCharts draws, per headline cell, each journey preset's median
// success and throughput as bars, with the seed's own figures (absolute
// ones stated at this cell's load) as grey bars beside them. A claim
// relative to another preset ("2-3x phase2") is not a seed figure: it is
// said under the chart with the factor this run measured, not drawn as a
// bar computed from this run. A success chart whose bars would all be 100%
// with no seed figure beside them carries no information and is not drawn.
func journeyCharts(a *analysis.Analysis, ix *trialIndex, heads []analysis.Cell) ([]Chart, []Skipped) {
	const title = "The journey"
	presets, labels := analysis.JourneyLabels(a.Run, a.Variants)
	if len(presets) == 0 {
		return nil, []Skipped{{title, "the run measured none of the journey presets (baseline, phase2 … phase6)"}}
	}
	if len(heads) == 0 {
		return nil, []Skipped{{title, "the run has no trials"}}
	}
	var cs []Chart
	var sk []Skipped
	for _, cell := range heads {
		clients := ix.cellClients(cell)
		for _, m := range []struct{ unit, file, what, ylabel string }{
			{"success-%", "journey-success", "% answered 2xx", "answered 2xx (%)"},
			{"req/s", "journey-throughput", "2xx responses/s", "2xx responses/s"},
		} {
			c := Chart{
				File:       fileName(m.file, cell.String()),
				Title:      fmt.Sprintf("%s — %s (scenario %s)", title, m.what, cell.String()),
				XLabel:     "preset",
				YLabel:     m.ylabel,
				Bars:       true,
				Categories: presets,
			}
			if m.unit == "success-%" {
				c.YMin, c.YMax = 0, 112 // room for the value labels above 100%
			}
			ours := Series{Name: "this run (median)", Color: 0}
			seed := Series{Name: "the seed's figure", Color: -1}
			var notes []string
			allFull := true
			for i, label := range labels {
				v, ok := a.Center(cell, label, m.unit)
				if ok {
					ours.Points = append(ours.Points, Point{float64(i), v})
					allFull = allFull && v >= 99.95
				}
				for _, cl := range SeedClaims {
					if cl.Preset != presets[i] || cl.Unit != m.unit {
						continue
					}
					switch {
					case cl.Relative == "" && cl.Clients == clients:
						seed.Points = append(seed.Points, Point{float64(i), cl.Value})
					case cl.Relative != "":
						for j, p := range presets {
							if p != cl.Relative {
								continue
							}
							if base, okb := a.Center(cell, labels[j], m.unit); okb && ok && base > 0 {
								notes = append(notes, fmt.Sprintf("The seed claims %s for %s (%g-%g× %s); this run: %.2f× %s.", cl.Text, cl.Preset, cl.Value, cl.Upper, cl.Relative, v/base, cl.Relative))
							}
						}
					}
				}
			}
			if len(ours.Points) == 0 {
				continue
			}
			if m.unit == "success-%" && allFull && len(seed.Points) == 0 {
				sk = append(sk, Skipped{c.Title, "every preset answered ≥ 99.95% of requests 2xx and the seed states no success figure at this load: six bars at 100% would say nothing"})
				continue
			}
			c.Series = append(c.Series, ours)
			if len(seed.Points) > 0 {
				c.Series = append(c.Series, seed)
				notes = append([]string{"Grey bars: the seed's own figure at this load."}, notes...)
			}
			if len(notes) == 0 {
				notes = append(notes, "The seed states no figure for this unit at this load.")
			}
			c.Note = strings.Join(notes, " ")
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil, append(sk, Skipped{title, "no journey preset has success or throughput in the headline cells"})
	}
	return cs, sk
}

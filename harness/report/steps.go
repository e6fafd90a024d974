package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"metricstream/harness/analysis"
	"metricstream/harness/usl"
	"metricstream/internal/stages"
)

// StepView is one row of "What each step buys", as the page and the
// terminal summary print it.
type StepView struct {
	Dimension, Change, Cell, Effect, Capacity, Predicted, PredictedCPU, Reason string
	Class                                                                      string // "better", "worse" or "" (not significant)
}

// stepViews lays out the analysis's step rows.
func stepViews(a *analysis.Analysis) []StepView {
	var out []StepView
	for _, r := range a.Steps {
		v := StepView{Dimension: r.Dimension, Change: r.New + " vs " + r.Old, Cell: stepCellText(r), Effect: effectText(r.Effect),
			Capacity: capacityStepText(r), Predicted: predictedText(r), PredictedCPU: cpuText(r), Reason: stepReason(r)}
		if c := changeText(r.Change); c != "" {
			v.Change += " (" + c + ")"
		}
		if r.Effect != nil {
			if o := r.Effect.Outcome(); o == analysis.Better || o == analysis.Worse {
				v.Class = OutcomeWord(o)
			}
		}
		out = append(out, v)
	}
	return out
}

// StageTable is where the time goes in one scenario: per variant, each
// stage's mean cost per timed request and its share, then per dimension
// its Amdahl share.
type StageTable struct {
	Scenario  string
	Stages    []string
	Rows      []StageRow
	Sentences []string // one Amdahl share per dimension, for the first variant
}

// StageRow is one variant in a StageTable.
type StageRow struct {
	Variant, Mean, Sampled string
	Cells                  []string // "12.3µs (41%)" per stage
	// Cores is the cores the server and the generator kept busy ("1.21 +
	// 0.77 of 2"), CPUPerReq their CPU per request ("31.2µs + 20.8µs");
	// "-" when unmeasured.
	Cores, CPUPerReq string
}

func stageTables(a *analysis.Analysis) []StageTable {
	var out []StageTable
	for _, sc := range a.StageScenarios() {
		t := StageTable{Scenario: sc}
		for i := stages.Stage(0); i < stages.NumStages; i++ {
			t.Stages = append(t.Stages, i.String())
		}
		for _, v := range a.Variants {
			c := a.StageCostOf(sc, v)
			if c == nil {
				continue
			}
			row := StageRow{Variant: v, Mean: FormatNS(c.Snapshot.MeanNS), Sampled: fmt.Sprintf("%d (%d trials, 1 in %d)", c.Snapshot.Sampled, c.Trials, c.Snapshot.Every),
				Cores: "-", CPUPerReq: "-"}
			if u := c.CPU; u != nil {
				row.Cores = fmt.Sprintf("%.2f + %.2f of %d", u.ServerCores, u.GenCores, a.Run.Meta.NumCPU)
				row.CPUPerReq = FormatNS(u.ServerNSPerReq) + " + " + FormatNS(u.GenNSPerReq)
			}
			for _, name := range t.Stages {
				st, _ := c.Snapshot.Get(name)
				row.Cells = append(row.Cells, FormatNS(st.PerRequestNS)+" ("+sharePct(st.Share)+")")
			}
			t.Rows = append(t.Rows, row)
			if t.Sentences == nil {
				for i := range c.Bounds {
					t.Sentences = append(t.Sentences, shareText(&c.Bounds[i], v))
				}
			}
		}
		out = append(out, t)
	}
	return out
}

// USLRow is one fit in the USL table.
type USLRow struct {
	Scenario, Variant, Sigma, Kappa, Lambda, PeakN, R2, Verdict, Reason string
}

func uslRows(a *analysis.Analysis) []USLRow {
	var out []USLRow
	for _, f := range a.USL {
		r := USLRow{Scenario: f.Scenario, Variant: f.Variant, Sigma: "-", Kappa: "-", Lambda: "-", PeakN: "-", R2: "-",
			Verdict: string(f.Fit.Verdict), Reason: uslReason(f.Fit)}
		if f.Fit.R2 != 0 {
			r.R2 = fmt.Sprintf("%.3f", f.Fit.R2)
		}
		if f.Fit.OK() {
			iv := f.Intervals
			with := func(v, lo, hi float64, format func(float64) string) string {
				s := format(v)
				if f.HasIntervals && iv.Replicated {
					s += " [" + format(lo) + ", " + format(hi) + "]"
				}
				return s
			}
			g3 := func(x float64) string { return fmt.Sprintf("%.3g", x) }
			r.Sigma, r.Kappa = with(f.Fit.Sigma, iv.SigmaLo, iv.SigmaHi, g3), with(f.Fit.Kappa, iv.KappaLo, iv.KappaHi, g3)
			rate := func(x float64) string { return FormatValue("req/s", x) }
			r.Lambda = with(f.Fit.Lambda, iv.LambdaLo, iv.LambdaHi, rate)
			peak := func(x float64) string {
				if math.IsInf(x, 1) {
					return fmt.Sprintf("none or beyond %.0f", usl.PeakReach*f.Fit.MaxN)
				}
				return fmt.Sprintf("%.0f", x)
			}
			if f.Fit.PeakN > 0 {
				r.PeakN = with(f.Fit.PeakN, iv.PeakLo, iv.PeakHi, peak)
			}
		}
		out = append(out, r)
	}
	return out
}

// uslPerPanel is the most variants one USL panel shows: each has its
// points and its fitted curve, so 3 variants are 6 series.
const uslPerPanel = 3

// uslCharts draws each client sweep's measured throughput (mean per level)
// with the fitted USL curve dashed: usl-<scenario>.png, in panels of
// uslPerPanel variants when more were swept. Drawn even when every fit is
// refused: the points show why.
func uslCharts(a *analysis.Analysis) ([]Chart, []Skipped) {
	var out []Chart
	color := map[string]int{}
	for i, v := range a.Variants {
		color[v] = i
	}
	for _, sc := range a.USLScenarios() {
		var fits []analysis.USLFit
		for _, f := range a.USL {
			if f.Scenario == sc {
				fits = append(fits, f)
			}
		}
		c := Chart{File: fileName("usl", sc), Title: "USL fit: " + sc,
			Note: "Points: measured throughput, mean over trials at each client count. Dashed: the fitted Universal Scalability Law X(N) = λN / (1 + σ(N−1) + κN(N−1)); a refused fit draws no curve (see the USL table)."}
		var refused []string
		for p := 0; p*uslPerPanel < len(fits); p++ {
			part := fits[p*uslPerPanel : min(len(fits), (p+1)*uslPerPanel)]
			panel := Chart{Title: part[0].Variant + " … " + part[len(part)-1].Variant, XLabel: "concurrent clients", YLabel: "2xx requests/s"}
			for _, f := range part {
				var pts []Point
				if m := a.Series.USLMeansOf(f.Scenario, f.Variant); m != nil {
					for _, p := range m.Points {
						pts = append(pts, Point{p.X, p.Y})
					}
				}
				if len(pts) == 0 {
					continue
				}
				// a sweep over decades (1 … 1000 clients) on a log axis,
				// so that its rising start is not squeezed into a corner
				if lo, hi := pts[0].X, pts[len(pts)-1].X; lo > 0 && hi/lo >= 10 {
					panel.LogX = true
				}
				name := f.Variant
				if !f.Fit.OK() {
					name += " (no fit)"
					refused = append(refused, f.Variant+": "+uslReason(f.Fit))
				}
				panel.Series = append(panel.Series, Series{Name: name, Points: pts, Color: color[f.Variant]})
				if !f.Fit.OK() {
					continue
				}
				var curve []Point
				lo, hi := pts[0].X, pts[len(pts)-1].X
				for k := 0; k <= 40; k++ {
					n := lo + (hi-lo)*float64(k)/40
					if panel.LogX {
						n = lo * math.Pow(hi/lo, float64(k)/40) // evenly spaced on the log axis
					}
					curve = append(curve, Point{X: n, Y: f.Fit.Throughput(n)})
				}
				panel.Series = append(panel.Series, Series{Name: f.Variant + " USL", Points: curve, Color: color[f.Variant], Dash: 1, Line: true})
			}
			c.Panels = append(c.Panels, panel)
		}
		if len(c.Panels) == 1 { // one panel: the chart itself
			p := c.Panels[0]
			c.Panels, c.Series, c.XLabel, c.YLabel, c.LogX = nil, p.Series, p.XLabel, p.YLabel, p.LogX
		}
		if len(refused) > 0 {
			c.Note += " Refused: " + strings.Join(refused, "; ") + "."
		}
		out = append(out, c)
	}
	return out, nil
}

// claimMechanisms gives each seed claim not met the measured mechanism:
// the step that introduced the claim's preset (its reason, or its Amdahl
// bound), and where the time went in the claim's scenario.
func claimMechanisms(a *analysis.Analysis, claims []ClaimCheck) {
	labels := map[string]string{}
	presets, byPreset := analysis.JourneyLabels(a.Run, a.Variants)
	for i, p := range presets {
		labels[p] = byPreset[i]
	}
	for i := range claims {
		cc := &claims[i]
		if cc.Met != "no" {
			continue
		}
		label := labels[cc.Preset]
		var parts []string
		for _, r := range a.Steps {
			if r.New != label {
				continue
			}
			switch why := stepReason(r); {
			case why != "":
				parts = append(parts, r.Dimension+" step: "+why)
			case r.Share != nil:
				parts = append(parts, r.Dimension+" step: "+shareText(r.Share, r.Old))
			}
		}
		if c := a.StageCostOf(cc.Cell.Scenario, label); c != nil {
			parts = append(parts, "where "+label+"'s time went in "+cc.Cell.Scenario+": "+topStages(c, 3))
		}
		if len(parts) == 0 {
			parts = append(parts, "no stage costs recorded for "+orDash(label)+" in this run (servers without -stages)")
		}
		cc.Mechanism = strings.Join(parts, "; ")
	}
}

// topStages names the n stages taking the most time: "read_header 41%
// (12.3µs), write 30% (9µs), parse 10% (3µs)".
func topStages(c *analysis.StageCost, n int) string {
	st := append([]stages.StageStat(nil), c.Snapshot.Stages...)
	sort.SliceStable(st, func(i, j int) bool { return st[i].Share > st[j].Share })
	var out []string
	for _, s := range st[:min(n, len(st))] {
		out = append(out, fmt.Sprintf("%s %.0f%% (%s)", s.Stage, 100*s.Share, FormatNS(s.PerRequestNS)))
	}
	return strings.Join(out, ", ") + " of " + FormatNS(c.Snapshot.MeanNS) + " per request"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// stepsSummary prints "What each step buys", the Amdahl shares and the
// USL fits for the terminal.
func stepsSummary(w io.Writer, a *analysis.Analysis) {
	if vs := stepViews(a); len(vs) > 0 {
		fmt.Fprintln(w, "What each step buys (paired effect in the step's primary cell; 95% interval; p adjusted over the run's family):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  STEP\tCHANGE\tCELL\tEFFECT\tCAPACITY\tPREDICTED (AMDAHL, STAGE TIME)\tPREDICTED (CPU PER ANSWERED REQUEST)")
		for _, v := range vs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Dimension, v.Change, v.Cell, v.Effect, v.Capacity, v.Predicted, v.PredictedCPU)
		}
		tw.Flush()
		for _, v := range vs {
			if v.Reason != "" {
				fmt.Fprintf(w, "  %s, why not significant: %s\n", v.Dimension, v.Reason)
			}
		}
	}
	var shares []string
	for _, r := range a.Steps {
		if r.Share != nil {
			shares = append(shares, shareText(r.Share, r.Old)+" ("+r.StageScenario+")")
		}
	}
	if len(shares) > 0 {
		fmt.Fprintln(w, "Amdahl shares (stage time of each step's earlier variant):")
		for _, s := range shares {
			fmt.Fprintln(w, "  "+s)
		}
	}
	if len(a.USL) > 0 {
		fmt.Fprintln(w, "USL fits (closed-loop client sweeps; 95% bootstrap intervals over trials):")
		for _, r := range uslRows(a) {
			fmt.Fprintf(w, "  %s %s: %s: %s (σ %s, κ %s, N* %s, R² %s)\n", r.Scenario, r.Variant, r.Verdict, r.Reason, r.Sigma, r.Kappa, r.PeakN, r.R2)
		}
	}
}

// sharePct formats a share of request time: "41.2%", "0.022%", "0%".
func sharePct(f float64) string {
	switch p := 100 * f; {
	case p == 0:
		return "0%"
	case p < 1:
		return fmt.Sprintf("%.2g%%", p)
	default:
		return fmt.Sprintf("%.1f%%", p)
	}
}

package report

import (
	"fmt"
	"math"
	"strings"

	"metricstream/harness/analysis"
)

// Headline is one journey step in plain words: what the step's new
// variant did to throughput in the step's primary scenario, with the 95%
// interval, and why, in at most about 25 words. The first screen of the
// page, the terminal summary and the README state these same sentences;
// every figure in them is the analysis's (Analysis.Steps and
// Analysis.Series.Journey), only the words are the report's.
type Headline struct {
	Dimension string // "writer"
	Text      string // "async writer: +201% [+73.7%, +412%] req/s when every write is fsynced — the write stage fell from 98% to 30% of a request"
	Class     string // "better", "worse", or "" when the run could not tell
}

// headlines phrases every journey step of a.
func headlines(a *analysis.Analysis) []Headline {
	var out []Headline
	for i, e := range a.Series.Journey {
		out = append(out, headline(e, a.Steps[i]))
	}
	return out
}

// firstScreen is what the page's first screen lists under its title: the
// journey's headlines, or, for a run with no journey step but the seed's
// designs, what each of those broke (their scenario's headline).
func firstScreen(a *analysis.Analysis) []Headline {
	if hs := headlines(a); len(hs) > 0 {
		return hs
	}
	var out []Headline
	for _, sd := range seedViews(a.SeedDesigns) {
		out = append(out, Headline{Dimension: sd.Scenario, Text: sd.Scenario + ": " + sd.Headline})
	}
	return out
}

// headline phrases one step: "<variant> <dimension>: <effect> <where> —
// <why>". The effect is the step's paired effect with its interval where
// it is significant, else the largest effect the interval leaves possible
// ("no effect larger than ±X%"); the why is the dimension's stage share of
// a request before and after (significant), or its share and the cores
// (not), left out where the stage costs rest on fewer timed requests than
// the analysis's floor (analysis.MinTimed).
func headline(e analysis.StepEffect, r analysis.StepRow) Headline {
	name := e.New
	if e.NewVariant != "" {
		name = e.NewVariant + " " + e.Dimension
	}
	h := Headline{Dimension: e.Dimension}
	c := r.Effect
	unit := unitWord(e.Unit)
	switch {
	case c == nil && e.Cell.Scenario == "":
		h.Text = fmt.Sprintf("%s: not measured (no throughput of both %s and %s in one scenario)", name, e.Old, e.New)
		return h
	case c == nil:
		// the primary cell's unit has no value of both arms to pair (a
		// capacity search of each that ended on a bound, for one)
		h.Text = fmt.Sprintf("%s: no figure %s — no value of both %s and %s there to pair", name, where(e.Cell), e.Old, e.New)
		return h
	case e.Outcome == analysis.CensoredOut:
		h.Text = fmt.Sprintf("%s: no figure %s — %d of its rounds hold a censored value (a bound, not a number)", name, where(e.Cell), c.Effect.Censored)
		return h
	case math.IsNaN(e.Ratio) || math.IsNaN(e.Lo):
		h.Text = fmt.Sprintf("%s: no figure %s — %d paired rounds (a 95%% interval needs %d)", name, where(e.Cell), e.Rounds, analysis.MinRounds)
		return h
	case e.Significant:
		h.Text = fmt.Sprintf("%s: %s %s %s", name, effectWithInterval(e), unit, where(e.Cell))
		if o := c.Outcome(); o == analysis.Better || o == analysis.Worse {
			h.Class = OutcomeWord(o)
		}
		if why := shareMoved(e); why != "" {
			h.Text += " — " + why
		}
		return h
	case e.Lo > 1 || e.Hi < 1:
		// the interval excludes no change, but the family's correction
		// does not let it count
		h.Text = fmt.Sprintf("%s: %s %s %s", name, effectWithInterval(e), unit, where(e.Cell))
		if why := unreachable(e, c); why != "" {
			h.Text += ", not significant: " + why
			return h
		}
		h.Text += ", not significant over the run's family"
	default:
		h.Text = fmt.Sprintf("%s: no effect larger than ±%s %s %s", name, plainPct(e.RuledOut), unit, where(e.Cell))
		if why := unreachable(e, c); why != "" {
			h.Text += " — " + why
			return h
		}
	}
	if why := shareHeld(e); why != "" {
		h.Text += " — " + why
	}
	return h
}

// unreachable says that a step's rounds could not be significant at its
// place in the run's family, whatever the effect (its MDE is infinite):
// "its 6 rounds cannot reach the run's threshold (7 can)"; "" otherwise.
func unreachable(e analysis.StepEffect, c *analysis.Comparison) string {
	if !math.IsInf(e.MDE, 1) {
		return ""
	}
	return fmt.Sprintf("its %d rounds cannot reach the run's threshold (%d can)", e.Rounds, analysis.RoundsFor(c.Effect.Threshold))
}

// unitWord names an effect's unit in a headline: "req/s", "capacity".
func unitWord(unit string) string {
	if unit == analysis.CapacityUnit {
		return "capacity"
	}
	return "req/s"
}

// effectWithInterval is "+201% [+73.7%, +412%]".
func effectWithInterval(e analysis.StepEffect) string {
	return FormatDelta((e.Ratio-1)*100) + " [" + FormatDelta((e.Lo-1)*100) + ", " + FormatDelta((e.Hi-1)*100) + "]"
}

// scenarioWords say what a scenario puts on the request path, for the
// headlines; a scenario not listed is named.
var scenarioWords = map[string]string{
	"fsync":              "when every write is fsynced",
	"large-batch":        "on 1,000-metric batches",
	"throughput":         "at full keep-alive load",
	"capacity":           "at the highest rate meeting the SLOs",
	"capacity-full":      "at the highest rate meeting the strict SLOs",
	"seed-50x10":         "at the seed's 50 clients × 10 requests",
	"seed-100x10":        "at the seed's 100 clients × 10 requests",
	"lock-contention":    "with many clients contending for the limiter",
	"metrics-contention": "with many clients recording at once",
	"conn-per-request":   "with a new connection per request",
}

// where says the step's cell in words: "when every write is fsynced",
// "in client-sweep clients=100".
func where(c analysis.Cell) string {
	if w, ok := scenarioWords[c.Scenario]; ok && c.Step == "" {
		return w
	}
	return "in " + c.String()
}

// shareMoved is "the write stage fell from 98% to 30% of a request", ""
// without both shares or from too few timed requests.
func shareMoved(e analysis.StepEffect) string {
	if math.IsNaN(e.OldShare) || math.IsNaN(e.NewShare) || e.Timed < analysis.MinTimed {
		return ""
	}
	verb := func(old, new float64) string {
		if new > old {
			return "rose"
		}
		return "fell"
	}
	if !math.IsNaN(e.OldStageNS) && !math.IsNaN(e.NewStageNS) && e.OldStageNS > 0 {
		// the time, then the share: a share that barely moves can hide a
		// stage that got several times faster (async writes under fsync:
		// still most of a request that is itself far shorter)
		return fmt.Sprintf("the %s stage %s from %s to %s a request (%s → %s of its time)", stageWords(e), verb(e.OldStageNS, e.NewStageNS),
			FormatNS(e.OldStageNS), FormatNS(e.NewStageNS), plainPct(100*e.OldShare), plainPct(100*e.NewShare))
	}
	return fmt.Sprintf("the %s stage %s from %s to %s of a request", stageWords(e), verb(e.OldShare, e.NewShare), plainPct(100*e.OldShare), plainPct(100*e.NewShare))
}

// shareHeld is "the rate_limit stage is 2.0% of a request on 2 cores".
func shareHeld(e analysis.StepEffect) string {
	if math.IsNaN(e.OldShare) || e.Timed < analysis.MinTimed {
		return ""
	}
	return fmt.Sprintf("the %s stage is %s of a request on %d cores", stageWords(e), plainPct(100*e.OldShare), max(e.Cores, 1))
}

func stageWords(e analysis.StepEffect) string { return strings.Join(e.Stages, "+") }

// plainPct formats a percentage for a sentence: "98%", "2.0%", "0.019%".
func plainPct(p float64) string {
	switch a := math.Abs(p); {
	case a >= 9.95:
		return fmt.Sprintf("%.0f%%", p)
	case a >= 0.995:
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.2g%%", p)
}

// titleSentence is the run's result in one sentence: how many journey
// steps raised or lowered throughput on their primary scenario, changed
// it beyond their interval without passing the family's correction, or
// had no effect the run could tell; the largest significant effect; and
// how many steps had too few rounds to be significant at all.
func titleSentence(a *analysis.Analysis) string {
	if len(a.Steps) == 0 {
		n, c := len(a.TrialVariants()), len(a.TrialCells())
		s := fmt.Sprintf("%d variant%s measured on %d cell%s", n, plural(n), c, plural(c))
		if len(a.Pairs) > 0 {
			return s + fmt.Sprintf("; no journey step, %d pair%s compared: see the verdicts.", len(a.Pairs), plural(len(a.Pairs)))
		}
		return s + "."
	}
	var up, down, beyond, none int
	var best *analysis.StepEffect
	for i, e := range a.Series.Journey {
		switch {
		case e.Significant && e.Ratio > 1:
			up++
		case e.Significant && e.Ratio < 1:
			down++
		case e.Lo > 1 || e.Hi < 1:
			beyond++
		default:
			none++
		}
		if e.Significant && (best == nil || math.Abs(math.Log(e.Ratio)) > math.Abs(math.Log(best.Ratio))) {
			best = &a.Series.Journey[i]
		}
	}
	var parts []string
	if up > 0 {
		parts = append(parts, fmt.Sprintf("%d raised throughput", up))
	}
	if down > 0 {
		parts = append(parts, fmt.Sprintf("%d lowered it", down))
	}
	if beyond > 0 {
		parts = append(parts, fmt.Sprintf("%d changed throughput beyond %s 95%% interval, yet not significantly over the run's family", beyond, map[bool]string{true: "its", false: "their"}[beyond == 1]))
	}
	if none > 0 {
		parts = append(parts, fmt.Sprintf("%d had no effect this run could tell", none))
	}
	s := fmt.Sprintf("Of %d journey step%s, %s", len(a.Steps), plural(len(a.Steps)), joinAnd(parts))
	if best != nil {
		name := best.New
		if best.NewVariant != "" {
			name = best.NewVariant + " " + best.Dimension
		}
		s += fmt.Sprintf("; the largest: %s, %s %s %s", name, FormatDelta((best.Ratio-1)*100), unitWord(best.Unit), where(best.Cell))
	}
	// steps whose rounds could not reach their threshold at any effect
	unreached, rounds, needed := 0, 0, 0
	for i, e := range a.Series.Journey {
		if c := a.Steps[i].Effect; c != nil && math.IsInf(e.MDE, 1) {
			unreached++
			rounds, needed = max(rounds, e.Rounds), max(needed, analysis.RoundsFor(c.Effect.Threshold))
		}
	}
	if unreached > 0 {
		s += fmt.Sprintf("; %d step%s had too few rounds to be significant at any size (%d; %d can)", unreached, plural(unreached), rounds, needed)
	}
	return s + "."
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

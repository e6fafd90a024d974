package analysis

import (
	"slices"

	"metricstream/harness/results"
)

// The seed's designs: for each seed-design scenario of the run, what the
// seed's design did beside the corrected variant, per load step, and the
// headline: which trial shows what broke and at what load, beside the
// corrected variant's trial at the same step. The findings are values;
// harness/report words them.

// Seed is one seed-design scenario's section.
type Seed struct {
	Scenario string
	Kind     string
	Headline SeedHeadline
	Rows     []SeedRow // one per trial, in cell then variant order
	// Careless: the parser corpus per variant (seed-careless only).
	Careless []CarelessTable
}

// SeedRow is one trial of a seed-design scenario.
type SeedRow struct {
	Cell       Cell
	Variant    string
	SeedDesign bool // the variant runs the seed's design (its /health said so)
	Trial      *results.Trial
}

// SeedHeadline is the section's finding: the seed design's trial that
// shows it (Seed) beside the corrected variant's trial at the same step
// (Fix; nil when not run).
type SeedHeadline struct {
	Kind string
	// NoSeedTrial: the run has no trial of the seed's design.
	NoSeedTrial bool
	// Seed is the trial the headline is about: seed-naive's first crash
	// (fewest clients) or, with none, its trial at the most clients;
	// seed-spsc's first loss (fewest clients) or, with none, the most
	// clients; seed-thread's most clients; otherwise the first trial.
	Seed *results.Trial
	// Fix is the corrected variant's trial at Seed's step; FixVariant
	// the corrected variant ("" when the run has none).
	Fix        *results.Trial
	FixVariant string
	// Broke: the seed design broke in Seed (a crash, a lost event); for
	// seed-naive, Crashed of SeedTrials trials crashed.
	Broke               bool
	Crashed, SeedTrials int
}

// CarelessTable is one variant's outcome per input class.
type CarelessTable struct {
	Variant    string
	SeedDesign bool
	Rows       []results.CarelessRow
}

// seedKinds are the seed-design trial kinds, in report order.
var seedKinds = []string{"seed-careless", "seed-unbounded", "seed-naive", "seed-spsc", "seed-thread"}

// seedDesigns fills SeedDesigns.
func (a *Analysis) seedDesigns() {
	byScenario := map[string][]*results.Trial{}
	var order []string
	for i := range a.Run.Trials {
		t := &a.Run.Trials[i]
		if !slices.Contains(seedKinds, t.Kind) {
			continue
		}
		if _, ok := byScenario[t.Scenario]; !ok {
			order = append(order, t.Scenario)
		}
		byScenario[t.Scenario] = append(byScenario[t.Scenario], t)
	}
	slices.SortStableFunc(order, func(x, y string) int {
		return slices.Index(seedKinds, byScenario[x][0].Kind) - slices.Index(seedKinds, byScenario[y][0].Kind)
	})
	for _, sc := range order {
		ts := byScenario[sc]
		f := Seed{Scenario: sc, Kind: ts[0].Kind}
		for _, c := range a.ix.cells {
			if c.Scenario != sc {
				continue
			}
			for _, v := range a.ix.variants {
				for _, t := range a.ix.byCell[c][v] {
					f.Rows = append(f.Rows, SeedRow{Cell: c, Variant: v, SeedDesign: isSeedTrial(t), Trial: t})
				}
			}
		}
		if f.Kind == "seed-careless" {
			for _, v := range a.ix.variants {
				for _, t := range a.ix.byCell[Cell{Scenario: sc}][v] {
					if t.Seed != nil {
						f.Careless = append(f.Careless, CarelessTable{Variant: v, SeedDesign: t.Seed.SeedDesign, Rows: t.Seed.Careless})
						break
					}
				}
			}
		}
		f.Headline = seedHeadline(f.Kind, ts)
		a.SeedDesigns = append(a.SeedDesigns, f)
	}
}

func isSeedTrial(t *results.Trial) bool { return t.Seed != nil && t.Seed.SeedDesign }

// seedHeadline picks the trials the headline states.
func seedHeadline(kind string, ts []*results.Trial) SeedHeadline {
	h := SeedHeadline{Kind: kind}
	var seed, fix []*results.Trial
	for _, t := range ts {
		if isSeedTrial(t) {
			seed = append(seed, t)
		} else {
			fix = append(fix, t)
		}
	}
	if len(seed) == 0 {
		h.NoSeedTrial = true
		return h
	}
	if len(fix) > 0 {
		h.FixVariant = fix[0].Variant
	}
	h.SeedTrials = len(seed)
	switch kind {
	case "seed-naive":
		for _, t := range seed {
			if t.Seed.Crashed {
				h.Crashed++
				if !h.Broke || t.Clients < h.Seed.Clients {
					h.Seed, h.Broke = t, true
				}
			}
		}
		if !h.Broke {
			h.Seed = maxTrial(seed)
		}
	case "seed-spsc":
		for _, t := range seed {
			if t.Seed.Lost > 0 && (!h.Broke || t.Clients < h.Seed.Clients) {
				h.Seed, h.Broke = t, true
			}
		}
		if !h.Broke {
			h.Seed = maxTrial(seed)
		}
	case "seed-thread":
		h.Seed = maxTrial(seed)
	default:
		h.Seed = seed[0]
	}
	for _, f := range fix {
		if f.Step == h.Seed.Step {
			h.Fix = f
			break
		}
	}
	return h
}

func maxTrial(ts []*results.Trial) *results.Trial {
	m := ts[0]
	for _, t := range ts {
		if t.Clients > m.Clients {
			m = t
		}
	}
	return m
}

package analysis

import (
	"metricstream/harness/results"
	"metricstream/internal/stages"
)

// StageCost is where one variant's request time went in one scenario: the
// stage counters of every trial of the scenario (all its steps) summed,
// and each dimension's Amdahl bound from them.
type StageCost struct {
	Scenario, Variant string
	Trials            int // trials that carried stage counters
	Snapshot          stages.Snapshot
	Bounds            []stages.Bound // in stages.Dimensions order
}

// Bound is dim's bound, or nil.
func (s *StageCost) Bound(dim string) *stages.Bound {
	if s == nil {
		return nil
	}
	for i := range s.Bounds {
		if s.Bounds[i].Dimension == dim {
			return &s.Bounds[i]
		}
	}
	return nil
}

// stageCosts fills a.Stages from the trials' stage counters.
func (a *Analysis) stageCosts() {
	for _, sc := range scenariosOf(a.ix.cells) {
		for _, v := range a.ix.variants {
			var snaps []*stages.Snapshot
			for _, c := range a.ix.cells {
				if c.Scenario != sc {
					continue
				}
				for _, t := range a.ix.byCell[c][v] {
					if t.Stages != nil && t.Stages.Sampled > 0 {
						snaps = append(snaps, t.Stages)
					}
				}
			}
			if len(snaps) == 0 {
				continue
			}
			sum := results.AddStages(snaps...)
			b, err := stages.Bounds(sum)
			if err != nil {
				continue // nothing timed: no costs to state
			}
			a.Stages = append(a.Stages, StageCost{Scenario: sc, Variant: v, Trials: len(snaps), Snapshot: sum, Bounds: b})
		}
	}
}

// StageCostOf is variant's stage costs in scenario, or nil.
func (a *Analysis) StageCostOf(scenario, variant string) *StageCost {
	for i := range a.Stages {
		if a.Stages[i].Scenario == scenario && a.Stages[i].Variant == variant {
			return &a.Stages[i]
		}
	}
	return nil
}

// StageScenarios are the scenarios with stage costs, in report order.
func (a *Analysis) StageScenarios() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range a.Stages {
		if !seen[s.Scenario] {
			seen[s.Scenario] = true
			out = append(out, s.Scenario)
		}
	}
	return out
}

// Utilisation is X · S: the measured throughput times the stage's mean
// time per request. By Little's law it is the mean number of requests in
// the stage; for a section one request holds at a time (a global lock)
// and below 1, it bounds that section's utilisation from above (the stage
// includes its own wait); at 1 or more the section is saturated.
func Utilisation(b stages.Bound, throughput float64) float64 {
	return throughput * b.PerRequestNS * 1e-9
}

// scenariosOf lists the scenarios of cells, in cell order.
func scenariosOf(cells []Cell) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cells {
		if !seen[c.Scenario] {
			seen[c.Scenario] = true
			out = append(out, c.Scenario)
		}
	}
	return out
}

type stageList []stages.Stage

func (l stageList) names() []string {
	var out []string
	for _, s := range l {
		out = append(out, s.String())
	}
	return out
}

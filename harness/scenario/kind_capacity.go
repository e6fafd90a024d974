package scenario

import (
	"slices"
	"strings"
	"time"

	"metricstream/harness/load"
	"metricstream/internal/clip"
)

// KindCapacity is capacity at SLO: every trial searches (load.CapacitySearch)
// for the highest offered open-loop rate at which every SLO of the scenario
// still holds, on a server of its own. The scenario's duration is each
// point's minimum hold; the capacity field tunes the search.
const KindCapacity Kind = "capacity"

// CapacityParams tunes a capacity search (scenario field "capacity"); zero
// fields take load.CapacitySearch's defaults. The scenario's duration is
// the search's MinHold.
type CapacityParams struct {
	MinRequests int     `json:"min_requests,omitempty"` // a point holds at least this many requests [2000]
	ProbeHold   string  `json:"probe_hold,omitempty"`   // the first, unjudged probe [500ms]
	ProbeRate   float64 `json:"probe_rate,omitempty"`   // the probe's offered rate [max_rate]
	MinRate     float64 `json:"min_rate,omitempty"`     // give up below [200]
	MaxRate     float64 `json:"max_rate,omitempty"`     // never offer more [200000]
	Tolerance   float64 `json:"tolerance,omitempty"`    // final bracket width [0.05]
	Growth      float64 `json:"growth,omitempty"`       // bracketing factor [1.5]
	MaxPoints   int     `json:"max_points,omitempty"`   // full points at most [24]
}

func init() {
	RegisterKind(&KindSpec{Kind: KindCapacity, PerTrial: true, OwnRate: true, Validate: validateCapacity,
		Steps: func(_ *Scenario, base load.Config) []Step { return []Step{{Config: base}} }})
}

func validateCapacity(s *Scenario, bad BadField) error {
	switch {
	case s.Model != "open":
		return bad("model", "a capacity scenario searches open-loop rates (clients = most connections in flight), got %q", clip.String(s.Model))
	case s.Rate != 0:
		return bad("rate", "a capacity scenario searches the rate; leave rate out")
	case len(s.Steps) > 0:
		return bad("steps", "a capacity scenario has one step: the search")
	case len(s.SLO) == 0:
		return bad("slo", "a capacity scenario needs at least one SLO: capacity is the highest rate at which they all hold")
	}
	if p := s.Capacity; p != nil {
		if p.ProbeHold != "" {
			if d, err := time.ParseDuration(p.ProbeHold); err != nil || d <= 0 {
				return bad("capacity.probe_hold", "%q is not a positive duration like 300ms", clip.String(p.ProbeHold))
			}
		}
		if p.MinRequests < 0 || p.MaxPoints < 0 || p.MinRate < 0 || p.MaxRate < 0 || p.ProbeRate < 0 || p.Tolerance < 0 || p.Growth < 0 {
			return bad("capacity", "every search parameter must be >= 0 (0 = the default)")
		}
	}
	return nil
}

// CapacitySearch is s's search parameters as a load.CapacitySearch (Run
// and Objectives left for the caller): the scenario's duration is MinHold.
func (s *Scenario) CapacitySearch() load.CapacitySearch {
	cs := load.CapacitySearch{}
	cs.MinHold, _ = time.ParseDuration(s.Duration)
	if p := s.Capacity; p != nil {
		cs.MinRequests, cs.ProbeRate, cs.MinRate, cs.MaxRate = p.MinRequests, p.ProbeRate, p.MinRate, p.MaxRate
		cs.Tolerance, cs.MaxPoints, cs.Growth = p.Tolerance, p.MaxPoints, p.Growth
		cs.ProbeHold, _ = time.ParseDuration(p.ProbeHold)
	}
	for _, o := range s.SLOs() {
		cs.Objectives = append(cs.Objectives, o)
	}
	return cs
}

// Dimensions a scenario's targets field may name: the journey's steps.
var targetDimensions = []string{"parser", "writer", "lock", "metrics", "executor", "limiter"}

// validateTargets checks the targets field.
func (s *Scenario) validateTargets(bad BadField) error {
	if s.Targets == "" || slices.Contains(targetDimensions, s.Targets) {
		return nil
	}
	return bad("targets", "%q must be one of %s", clip.String(s.Targets), strings.Join(targetDimensions, ", "))
}

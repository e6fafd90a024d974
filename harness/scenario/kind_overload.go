package scenario

import (
	"metricstream/harness/load"
	"metricstream/internal/clip"
)

// The overload kind: an open-loop phase at OverloadFactor × the capacity
// measured just before, then a recovery phase at RecoveryFactor × it; one
// step, no rate (it is measured).
func init() {
	RegisterKind(&KindSpec{Kind: KindOverload, PerTrial: true, OwnRate: true, Validate: validateOverload,
		Steps: func(_ *Scenario, base load.Config) []Step { return []Step{{Config: base}} }})
}

func validateOverload(s *Scenario, bad BadField) error {
	switch {
	case s.Model != "open":
		return bad("model", "an overload scenario is open-loop (clients = most connections in flight), got %q", clip.String(s.Model))
	case s.Rate != 0:
		return bad("rate", "an overload scenario offers %g× the capacity it measures; leave rate out", OverloadFactor)
	case len(s.Steps) > 0:
		return bad("steps", "an overload scenario has one step: %g× the capacity it measures", OverloadFactor)
	}
	return nil
}

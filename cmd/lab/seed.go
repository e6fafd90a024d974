package main

import (
	"metricstream/harness/launch"
	"metricstream/harness/scenario"
)

// seedCount is the trials per step and arm of the seed-design scenarios
// when -count is not given: each trial is a server's life under a load that
// breaks the seed's design, and VARIANT=seed-designs runs all five against
// the corrected variant in under 5 minutes on a loaded 2-core machine.
const seedCount = 1

// seedDefault: with no -scenarios, a variant list that runs seed designs
// (VARIANT=seed-designs, or "lock=pooled lock=naive") runs the
// seed-design scenarios of those designs' dimensions instead of the quick
// set (a load scenario on lock=naive may abort the shared server; the
// seed-design kinds start a server per trial and record the crash). Nil:
// keep the selection.
func seedDefault(f experimentFlags, all []*scenario.Scenario) []*scenario.Scenario {
	if f.scenarios != "" || f.target != "" {
		return nil
	}
	arms, err := launch.ParseArms(f.variants)
	if err != nil {
		return nil
	}
	dims := launch.SeedDimensions(arms)
	if len(dims) == 0 {
		return nil
	}
	return scenario.SeedScenarios(all, dims)
}

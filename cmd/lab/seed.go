package main

import (
	"metricstream/harness/launch"
	"metricstream/harness/scenario"
)

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

package scenario

import (
	"fmt"

	"metricstream/harness/load"
	"metricstream/internal/clip"
)

// The durability kinds: a closed-loop load whose every metric has a unique
// name, stopped at a random point (shutdown: SIGTERM; crash: SIGKILL); the
// server restarts on the same file and the acknowledged metrics missing
// from it are counted. One step per fsync policy (fsync_policies).
func init() {
	for _, k := range []Kind{KindShutdown, KindCrash} {
		RegisterKind(&KindSpec{Kind: k, PerTrial: true, Durability: true, Validate: validateDurability, Steps: fsyncSteps})
	}
}

func validateDurability(s *Scenario, bad BadField) error {
	if s.Model != "closed" || s.Duration == "" || len(s.Steps) > 0 {
		return bad("model", "a %s scenario is a closed-loop load with a duration and no steps", s.Kind)
	}
	return nil
}

// validateFsyncPolicies checks fsync_policies: durability kinds only.
func validateFsyncPolicies(s *Scenario, bad BadField) error {
	for i, p := range s.FsyncPolicies {
		if !s.spec().Durability {
			return bad("fsync_policies", "only shutdown and crash scenarios have fsync policies (use server.fsync)")
		}
		if p != "never" && p != "interval" && p != "always" {
			return bad(fmt.Sprintf("fsync_policies[%d]", i), "%q must be never, interval or always", clip.String(p))
		}
	}
	return nil
}

// fsyncSteps is one step per fsync policy ("fsync=always"), or the base
// load alone.
func fsyncSteps(s *Scenario, base load.Config) []Step {
	if len(s.FsyncPolicies) == 0 {
		return []Step{{Config: base}}
	}
	var out []Step
	for _, p := range s.FsyncPolicies {
		out = append(out, Step{Name: "fsync=" + p, Config: base, Fsync: p})
	}
	return out
}

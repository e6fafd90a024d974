package scenario

import (
	"slices"

	"metricstream/internal/clip"
)

// The seed-design kinds: one per seed design, each a per-trial
// experiment that shows where the seed's own design breaks, run beside the
// corrected variant. The runners are harness/experiment/seed*.go; the
// summary rows harness/analysis/seed.go.
const (
	KindSeedNaive     Kind = "seed-naive"     // lock=naive: concurrent map inserts until the process aborts
	KindSeedSPSC      Kind = "seed-spsc"      // metrics=spsc: events lost and torn per client count
	KindSeedThread    Kind = "seed-thread"    // executor=thread: OS threads and RSS per client count
	KindSeedUnbounded Kind = "seed-unbounded" // writer=unbounded: heap over time under overload, loss on SIGTERM
	KindSeedCareless  Kind = "seed-careless"  // parser=careless: the corpus per input class
)

// SeedKind is what a seed-design kind exercises: the dimension and the
// seed's variant of it (the corrected variant is the dimension's default).
type SeedKind struct {
	Kind      Kind
	Dimension string
	Seed      string
}

// SeedKinds lists the seed-design kinds, in the order of variants.Dimensions.
var SeedKinds = []SeedKind{
	{KindSeedCareless, "parser", "careless"},
	{KindSeedUnbounded, "writer", "unbounded"},
	{KindSeedNaive, "lock", "naive"},
	{KindSeedSPSC, "metrics", "spsc"},
	{KindSeedThread, "executor", "thread"},
}

// SeedKindOf returns the seed-design kind k, or false when k is not one.
func SeedKindOf(k Kind) (SeedKind, bool) {
	i := slices.IndexFunc(SeedKinds, func(s SeedKind) bool { return s.Kind == k })
	if i < 0 {
		return SeedKind{}, false
	}
	return SeedKinds[i], true
}

func init() {
	for _, sk := range SeedKinds {
		spec := &KindSpec{Kind: sk.Kind, PerTrial: true, Validate: validateSeed}
		if sk.Kind == KindSeedCareless || sk.Kind == KindSeedUnbounded {
			spec.Validate = validateSeedOneStep
		}
		RegisterKind(spec)
	}
}

// validateSeed: a seed-design scenario is a closed-loop sweep of clients
// (steps) or one client count.
func validateSeed(s *Scenario, bad BadField) error {
	if s.Model != "closed" {
		return bad("model", "a %s scenario is closed-loop, got %q", s.Kind, clip.String(s.Model))
	}
	return nil
}

func validateSeedOneStep(s *Scenario, bad BadField) error {
	if err := validateSeed(s, bad); err != nil {
		return err
	}
	if len(s.Steps) > 0 {
		return bad("steps", "a %s scenario has one step", s.Kind)
	}
	return nil
}

// SeedScenarios are the scenarios of all whose kind is a seed-design kind
// of one of dims (all seed-design scenarios when dims is empty).
func SeedScenarios(all []*Scenario, dims []string) []*Scenario {
	var out []*Scenario
	for _, s := range all {
		if sk, ok := SeedKindOf(s.Kind); ok && (len(dims) == 0 || slices.Contains(dims, sk.Dimension)) {
			out = append(out, s)
		}
	}
	return out
}

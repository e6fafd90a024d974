package main

import (
	"path/filepath"
	"testing"

	"metricstream/harness/scenario"
)

// A variant list naming a seed design, with no -scenarios, runs the
// seed-design scenarios of its dimensions; anything else keeps the
// selection.
func TestSeedDefault(t *testing.T) {
	all, err := scenario.LoadDir(filepath.Join("..", "..", "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	names := func(scs []*scenario.Scenario) []string {
		var n []string
		for _, s := range scs {
			n = append(n, s.Name)
		}
		return n
	}
	if got := names(seedDefault(experimentFlags{variants: "lock=pooled lock=naive"}, all)); len(got) != 1 || got[0] != "seed-naive" {
		t.Errorf("lock=pooled lock=naive: %v, want [seed-naive]", got)
	}
	if got := seedDefault(experimentFlags{variants: "seed-designs"}, all); len(got) != 5 {
		t.Errorf("seed-designs: %v, want the five seed scenarios", names(got))
	}
	for _, f := range []experimentFlags{{variants: "baseline phase6"}, {variants: "lock=naive", scenarios: "quick"}, {}} {
		if got := seedDefault(f, all); got != nil {
			t.Errorf("%+v: %v, want the selection kept", f, names(got))
		}
	}
}

package analysis

import (
	"testing"

	"metricstream/harness/results"
)

// seedRun is a run with seed-naive and seed-spsc trials of the seed's
// designs beside optimized (the report words the same run).
func seedRun() *results.Run {
	run := &results.Run{Meta: results.Meta{Variants: []results.Variant{{Label: "optimized"}, {Label: "lock:naive[seed_design]"}, {Label: "metrics:spsc[seed_design]"}}}}
	add := func(sc, step, v string, clients int, s *results.SeedStats, kind string) {
		run.Trials = append(run.Trials, results.Trial{Scenario: sc, Step: step, Variant: v, Clients: clients, Kind: kind, Seed: s, Model: "closed"})
	}
	add("seed-naive", "clients=100", "optimized", 100, &results.SeedStats{Requests: 5000, FreshIDs: 5000}, "seed-naive")
	add("seed-naive", "clients=100", "lock:naive[seed_design]", 100, &results.SeedStats{SeedDesign: true, Crashed: true, CrashReason: "concurrent map writes", Requests: 3670}, "seed-naive")
	add("seed-naive", "clients=1000", "lock:naive[seed_design]", 1000, &results.SeedStats{SeedDesign: true, Requests: 9000}, "seed-naive")
	add("seed-spsc", "clients=32", "optimized", 32, &results.SeedStats{IDs: 1, Offered: 3000, Flushed: 3000}, "seed-spsc")
	add("seed-spsc", "clients=32", "metrics:spsc[seed_design]", 32, &results.SeedStats{SeedDesign: true, IDs: 1, Offered: 3000, Flushed: 2990, Lost: 10, Torn: 2}, "seed-spsc")
	add("seed-spsc", "clients=1", "metrics:spsc[seed_design]", 1, &results.SeedStats{SeedDesign: true, IDs: 1, Offered: 3000, Flushed: 3000}, "seed-spsc")
	return run
}

// The seed-design section picks the trials its headline states: the
// first crash (fewest clients) and the first loss, each beside the
// corrected variant's trial at the same step, and lists every trial,
// marked.
func TestSeedDesigns(t *testing.T) {
	a, err := Analyze(seedRun())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.SeedDesigns) != 2 {
		t.Fatalf("%d seed sections, want 2: %+v", len(a.SeedDesigns), a.SeedDesigns)
	}
	n, s := a.SeedDesigns[0], a.SeedDesigns[1]
	h := n.Headline
	if n.Scenario != "seed-naive" || !h.Broke || h.Seed.Clients != 100 || h.Crashed != 1 || h.SeedTrials != 2 ||
		h.Fix == nil || h.Fix.Variant != "optimized" || h.FixVariant != "optimized" {
		t.Errorf("naive headline %+v", h)
	}
	if len(n.Rows) != 3 || n.Rows[0].SeedDesign || !n.Rows[1].SeedDesign || n.Rows[0].Trial == nil {
		t.Errorf("naive rows %+v", n.Rows)
	}
	if hs := s.Headline; !hs.Broke || hs.Seed.Seed.Lost != 10 || hs.Fix == nil || hs.Fix.Seed.Lost != 0 {
		t.Errorf("spsc headline %+v", hs)
	}
	// a run without the seed's design says so
	run := seedRun()
	run.Trials = run.Trials[:1]
	if a, _ := Analyze(run); len(a.SeedDesigns) != 1 || !a.SeedDesigns[0].Headline.NoSeedTrial {
		t.Errorf("no seed trial: %+v", a.SeedDesigns)
	}
}

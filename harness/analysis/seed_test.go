package analysis

import (
	"strings"
	"testing"

	"metricstream/harness/results"
)

// The seed-design section states the crash with its reason and load, the
// loss beside the corrected variant's, and lists every trial, marked.
func TestSeedDesigns(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Variants: []results.Variant{{Label: "optimized"}, {Label: "lock:naive[seed_design]"}, {Label: "metrics:spsc[seed_design]"}}}}
	add := func(sc, step, v string, clients int, s *results.SeedStats, kind string) {
		run.Trials = append(run.Trials, results.Trial{Scenario: sc, Step: step, Variant: v, Clients: clients, Kind: kind, Seed: s, Model: "closed"})
	}
	add("seed-naive", "clients=100", "optimized", 100, &results.SeedStats{Requests: 5000, FreshIDs: 5000}, "seed-naive")
	add("seed-naive", "clients=100", "lock:naive[seed_design]", 100, &results.SeedStats{SeedDesign: true, Crashed: true, CrashReason: "concurrent map writes", Requests: 3670}, "seed-naive")
	add("seed-spsc", "clients=32", "optimized", 32, &results.SeedStats{IDs: 1, Offered: 3000, Flushed: 3000}, "seed-spsc")
	add("seed-spsc", "clients=32", "metrics:spsc[seed_design]", 32, &results.SeedStats{SeedDesign: true, IDs: 1, Offered: 3000, Flushed: 2990, Lost: 10, Torn: 2}, "seed-spsc")
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.SeedDesigns) != 2 {
		t.Fatalf("%d seed sections, want 2: %+v", len(a.SeedDesigns), a.SeedDesigns)
	}
	n, s := a.SeedDesigns[0], a.SeedDesigns[1]
	if n.Scenario != "seed-naive" || !strings.Contains(n.Headline, "crashed after 3670 requests at 100 clients: concurrent map writes") ||
		!strings.Contains(n.Headline, "did not crash") {
		t.Errorf("naive headline %q", n.Headline)
	}
	if len(n.Rows) != 2 || n.Rows[0].SeedDesign || !n.Rows[1].SeedDesign {
		t.Errorf("naive rows %+v", n.Rows)
	}
	if !strings.Contains(s.Headline, "10 of 3000 lost (0.333%), 2 torn") || !strings.Contains(s.Headline, "0 of 3000 lost (0%)") {
		t.Errorf("spsc headline %q", s.Headline)
	}
}

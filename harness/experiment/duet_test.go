package experiment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// A duet: in each round both arms' trials ran at once, from one start,
// each naming the other; their windows are the same (same count, same
// starts, 50 ms apart) and complete (their counts add up to the trial's);
// and the windows of the two arms overlap in time: both sent in the first
// and the last window of the shorter trial.
func TestDuetRunsBothArmsAtOnce(t *testing.T) {
	sc := tinyScenario(t, "load", `,"requests":0,"duration":"300ms","server":{"rate_limit":0}`)
	cfg := Config{
		Arms:      arms(t, "phase6+phase6"),
		Scenarios: []*scenario.Scenario{sc},
		Count:     4,
		Dir:       filepath.Join(t.TempDir(), "run"),
		Meta:      results.Meta{RunID: "duet"},
		Order:     OrderBalanced,
		Launcher:  &fakeLauncher{},
		Duet:      true,
	}
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Meta.Duet || !strings.Contains(strings.Join(run.Meta.Notes, " "), "half the machine") {
		t.Errorf("meta duet %v notes %q", run.Meta.Duet, run.Meta.Notes)
	}
	// the arm launched first is the round's order: balanced, each first
	// in two of the four rounds
	firsts := map[string]int{}
	for _, tr := range run.Trials {
		if tr.Position == 0 {
			firsts[tr.Variant]++
		}
	}
	if firsts["phase6"] != 2 || firsts["phase6#2"] != 2 {
		t.Errorf("launched first: %v, want each arm in 2 of 4 rounds", firsts)
	}
	if len(run.Trials) != 8 {
		t.Fatalf("%d trials", len(run.Trials))
	}
	for i := 0; i < len(run.Trials); i += 2 {
		a, b := run.Trials[i], run.Trials[i+1]
		if a.Trial != b.Trial || a.DuetWith != b.Variant || b.DuetWith != a.Variant || !a.Start.Equal(b.Start) || a.Position+b.Position != 1 {
			t.Fatalf("round %d: %s (with %q, start %v) and %s (with %q, start %v)", a.Trial, a.Variant, a.DuetWith, a.Start, b.Variant, b.DuetWith, b.Start)
		}
		if len(a.Windows) != len(b.Windows) || len(a.Windows) < 6 {
			t.Fatalf("round %d: %d and %d windows, want the same, >= 6 for 300 ms", a.Trial, len(a.Windows), len(b.Windows))
		}
		for _, tr := range []results.Trial{a, b} {
			var sent, ok int64
			for j, w := range tr.Windows {
				if w.StartNS != int64(j)*int64(DefaultWindow) {
					t.Fatalf("window %d starts at %v", j, time.Duration(w.StartNS))
				}
				sent += w.Sent
				ok += w.Status2xx
			}
			if sent != tr.Counts.Total() || ok != tr.Counts.Status2xx {
				t.Errorf("%s: windows hold %d sent, %d 2xx; the trial %d, %d", tr.Variant, sent, ok, tr.Counts.Total(), tr.Counts.Status2xx)
			}
			if tr.Windows[0].Sent == 0 || tr.Windows[4].Sent == 0 {
				t.Errorf("%s: windows %+v: want requests in the first and the fifth (both ran 300 ms from one start)", tr.Variant, tr.Windows)
			}
		}
	}
	cfg.Arms, cfg.Dir = arms(t, "phase6+phase6+phase6"), filepath.Join(t.TempDir(), "run3")
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Errorf("a duet of three arms ran")
	}
}

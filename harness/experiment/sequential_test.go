package experiment

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// seqConfig is a sequential run of two arms on two load cells and one
// per-trial cell (a shutdown scenario), with rule.
func seqConfig(t *testing.T, rule StopRule) Config {
	dur := parseScenario(t, "dur", `{"name":"dur","about":"t","kind":"shutdown","model":"closed","clients":2,"duration":"100ms","batch":1}`)
	return Config{
		Arms:      arms(t, "phase3+phase6"),
		Scenarios: []*scenario.Scenario{tinyScenario(t, "one", `,"steps":[1,2]`), dur},
		Dir:       filepath.Join(t.TempDir(), "run"),
		Meta:      results.Meta{RunID: "seq", Stop: &results.StopInfo{Rule: "test rule"}},
		Launcher:  &fakeLauncher{},
		Stop:      rule,
	}
}

// completeRounds fails t unless the trials are whole rounds: for each
// round index below n, every cell holds each arm once.
func completeRounds(t *testing.T, trials []results.Trial, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, tr := range trials {
		if tr.Trial >= n {
			t.Errorf("trial of round %d beyond the %d rounds", tr.Trial, n)
		}
		seen[fmt.Sprintf("%s/%s/%d/%s", tr.Scenario, tr.Step, tr.Trial, tr.Variant)]++
	}
	for k := 0; k < n; k++ {
		for _, cell := range []string{"one/clients=1", "one/clients=2", "dur/"} {
			for _, v := range []string{"phase3", "phase6"} {
				if c := seen[fmt.Sprintf("%s/%d/%s", cell, k, v)]; c != 1 {
					t.Errorf("round %d, %s, %s: %d trials, want 1", k, cell, v, c)
				}
			}
		}
	}
	if len(trials) != n*3*2 {
		t.Errorf("%d trials, want %d rounds × 3 cells × 2 arms", len(trials), n)
	}
}

// The rule is asked after every round, sees only complete rounds, and the
// run stops when it says so; the meta says why and after how many rounds.
func TestSequentialStopsWhenTheRuleSays(t *testing.T) {
	asked := 0
	cfg := seqConfig(t, func(run *results.Run) (bool, string) {
		asked++
		completeRounds(t, run.Trials, asked)
		return asked == 3, fmt.Sprintf("round %d", asked)
	})
	var reports []string
	cfg.OnRound = func(k int, rep string) { reports = append(reports, fmt.Sprint(k, " ", rep)) }
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	completeRounds(t, run.Trials, 3)
	st := run.Meta.Stop
	if asked != 3 || st == nil || st.Reason != StoppedByRule || st.Rounds != 3 || run.Meta.Count != 3 || st.Report != "round 3" || st.Rule != "test rule" {
		t.Errorf("asked %d, stop %+v, count %d", asked, st, run.Meta.Count)
	}
	if len(reports) != 3 || reports[2] != "3 round 3" {
		t.Errorf("reports %q", reports)
	}
	for _, c := range run.Checks {
		if !c.Intact || c.Failed != "" {
			t.Errorf("check %+v", c)
		}
	}
}

// A rule that never says done: the run stops before a round would overrun
// the budget, or at the most rounds allowed, or when interrupted (the
// round under way then is not asked about).
func TestSequentialStopsAtTheBudget(t *testing.T) {
	never := func(*results.Run) (bool, string) { return false, "not yet" }

	cfg := seqConfig(t, never)
	cfg.Budget = 2 * time.Second
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := run.Meta.Stop
	if st.Reason != StoppedByBudget || st.Rounds < 1 || st.BudgetNS != int64(cfg.Budget) {
		t.Errorf("stop %+v, want the budget's %v", st, cfg.Budget)
	}
	completeRounds(t, run.Trials, st.Rounds)
	// no round began once the budget was spent (a round's length is only
	// estimated from the ones before, so one may end past it)
	first := run.Trials[0].Start
	for _, tr := range run.Trials {
		if tr.Start.Sub(first) > cfg.Budget {
			t.Errorf("round %d began %v into a %v budget", tr.Trial, tr.Start.Sub(first), cfg.Budget)
		}
	}

	cfg = seqConfig(t, never)
	cfg.MaxRounds = 2
	run, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st := run.Meta.Stop; st.Reason != StoppedAtMax || st.Rounds != 2 {
		t.Errorf("stop %+v, want 2 rounds at most", st)
	}
	completeRounds(t, run.Trials, 2)

	ctx, cancel := context.WithCancel(context.Background())
	cfg = seqConfig(t, never)
	cfg.OnRound = func(k int, _ string) {
		if k == 2 {
			cancel()
		}
	}
	run, err = Run(ctx, cfg)
	if err == nil {
		t.Fatal("an interrupted run returned no error")
	}
	if st := run.Meta.Stop; st.Reason != StoppedByCancel || st.Rounds != 2 {
		t.Errorf("stop %+v, want interrupted after 2 rounds", st)
	}
}

package main

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metricstream/harness/results"
)

// seqRun is n rounds of A and B in one cell, B's req/s ratio to A's
// exp(N(log(1+effect), sd)) per round.
func seqRun(n int, effect, sd float64, seed uint64) *results.Run {
	rng := rand.New(rand.NewPCG(seed, 1))
	run := &results.Run{Meta: results.Meta{Variants: []results.Variant{{Label: "a"}, {Label: "b"}}}}
	for k := 0; k < n; k++ {
		base := 1000 * math.Exp(0.3*rng.NormFloat64()) // round-to-round drift, shared by the pair
		r := math.Exp(math.Log1p(effect) + sd*rng.NormFloat64())
		run.Trials = append(run.Trials,
			results.Trial{Scenario: "throughput", Variant: "a", Trial: k, Throughput: base},
			results.Trial{Scenario: "throughput", Variant: "b", Trial: k, Throughput: base * r})
	}
	return run
}

// The rule: not done while the interval is wider than the precision (a
// noisy pair, or too few rounds), done once it is within it (a quiet
// pair); the report gives each cell's estimate and interval.
func TestPrecisionRule(t *testing.T) {
	rule := sequentialRule(0.03, []string{"req/s"})
	if done, rep := rule(seqRun(2, 0.1, 0.005, 1)); done || rep == "" {
		t.Errorf("2 rounds: done %v, %q", done, rep)
	}
	done, rep := rule(seqRun(40, 0.1, 0.005, 1))
	if !done || !strings.Contains(rep, "throughput") || !strings.Contains(rep, "+10") {
		t.Errorf("quiet pair after 40 rounds: done %v, %q", done, rep)
	}
	if done, rep := rule(seqRun(40, 0.1, 0.2, 1)); done {
		t.Errorf("noisy pair (sd 20%% a round) done after 40 rounds: %q", rep)
	}
	if done, rep := rule(&results.Run{Meta: results.Meta{Variants: []results.Variant{{Label: "a"}, {Label: "b"}}}}); done || rep == "" {
		t.Errorf("no trials: done %v, %q", done, rep)
	}
}

func TestParsePrecisionAndUnits(t *testing.T) {
	for in, want := range map[string]float64{"3%": 0.03, "0.05": 0.05, "10%": 0.1} {
		if got, err := parsePrecision(in); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"0", "100%", "-3%", "x"} {
		if _, err := parsePrecision(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if us, err := parseUnits("req/s, p99-ns"); err != nil || len(us) != 2 {
		t.Errorf("units %v %v", us, err)
	}
	if _, err := parseUnits("req/s,furlongs"); err == nil {
		t.Error("unknown unit accepted")
	}
}

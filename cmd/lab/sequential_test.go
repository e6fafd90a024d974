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

// The rule: no verdict from fewer than 3 rounds; done once the interval
// is within the precision (a quiet pair), not while it is wider (a noisy
// one); the report gives the estimate and interval.
func TestPrecisionRule(t *testing.T) {
	rule := precisionRule(0.03, []string{"req/s"})
	if done, rep := rule(seqRun(2, 0.1, 0.01, 1)); done || !strings.Contains(rep, "needs 3") {
		t.Errorf("2 rounds: done %v, %q", done, rep)
	}
	done, rep := rule(seqRun(12, 0.1, 0.005, 1))
	if !done || !strings.Contains(rep, "throughput req/s +10.") || !strings.Contains(rep, "after 12 rounds") {
		t.Errorf("quiet pair: done %v, %q", done, rep)
	}
	if done, rep := rule(seqRun(12, 0.1, 0.2, 1)); done {
		t.Errorf("noisy pair (sd 20%% a round) done after 12 rounds: %q", rep)
	}
	if done, rep := rule(&results.Run{Meta: results.Meta{Variants: []results.Variant{{Label: "a"}, {Label: "b"}}}}); done || rep == "" {
		t.Errorf("no trials: done %v, %q", done, rep)
	}
}

// Looked at after every round, the rule's intervals still cover the true
// effect in at least 95% of runs (it spends its 5% over the looks).
func TestPrecisionRuleCoverageOverLooks(t *testing.T) {
	const runs, rounds, effect = 400, 30, 0.1
	missed := 0
	for s := 0; s < runs; s++ {
		run := seqRun(rounds, effect, 0.1, uint64(s)+100)
		for n := 3; n <= rounds; n++ {
			part := &results.Run{Meta: run.Meta, Trials: run.Trials[:2*n]}
			e := seqEffects(part, "a", "b", []string{"req/s"})[0]
			if e.lo > effect || e.hi < effect {
				missed++
				break
			}
		}
	}
	if share := float64(missed) / runs; share > 0.05+0.03 { // 3 sd of a binomial(400, 0.05)
		t.Errorf("%d of %d runs had an interval miss the effect at some look (%.1f%%)", missed, runs, 100*share)
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

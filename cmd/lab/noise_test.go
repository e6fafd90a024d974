package main

import (
	"math"
	"testing"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// A trial scaled: a duration-based load's duration, a request-count
// load's requests per client, a capacity search's hold and requests a
// point; the original scenario untouched.
func TestScaleScenario(t *testing.T) {
	parse := func(body string) *scenario.Scenario {
		sc, err := scenario.Parse("s.json", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	dur := parse(`{"name":"s","about":"a","model":"closed","clients":4,"duration":"600ms","slo":["p99 <= 5ms"]}`)
	got, trial := scaleScenario(dur, 0.5)
	if got.Duration != "300ms" || trial != "300ms" || dur.Duration != "600ms" || len(got.SLOs()) != 1 {
		t.Errorf("duration: %q (%q), original %q, SLOs %d", got.Duration, trial, dur.Duration, len(got.SLOs()))
	}
	req := parse(`{"name":"s","about":"a","model":"closed","clients":50,"requests":10}`)
	if got, trial := scaleScenario(req, 2); got.Requests != 20 || trial != "50 × 20 requests" || req.Requests != 10 {
		t.Errorf("requests: %d (%q)", got.Requests, trial)
	}
	capa := parse(`{"name":"s","about":"a","kind":"capacity","model":"open","clients":8,"duration":"400ms","capacity":{"min_requests":800},"slo":["p99 <= 20ms"]}`)
	got, trial = scaleScenario(capa, 2)
	if got.Duration != "800ms" || got.Capacity.MinRequests != 1600 || capa.Capacity.MinRequests != 800 || trial != "points held 800ms" {
		t.Errorf("capacity: %q, %d requests (%q)", got.Duration, got.Capacity.MinRequests, trial)
	}
	if got.CapacitySearch().MinHold != 800*time.Millisecond {
		t.Errorf("scaled search holds %v", got.CapacitySearch().MinHold)
	}
}

// The figures of an A/A run: the per-round log ratios' s.d., the pooled
// within-arm s.d. × √2, the interval after the rounds, the cost per round.
func TestNoiseOf(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Count: 4, Variants: []results.Variant{{Label: "a"}, {Label: "a#2"}}}}
	// rounds share a drift (x2 in round 2); within a round B/A is e^±0.1
	for k, base := range []float64{1000, 1000, 2000, 1000} {
		r := math.Exp(0.1 * float64(1-2*(k%2)))
		run.Trials = append(run.Trials, results.Trial{Variant: "a", Trial: k, Throughput: base}, results.Trial{Variant: "a#2", Trial: k, Throughput: base * r})
	}
	row := noiseOf(run, "req/s", 8*time.Second)
	wantSD := math.Sqrt(4 * 0.01 / 3) // ±0.1, mean 0, n−1 = 3
	if row.Rounds != 4 || math.Abs(row.PairedSD-wantSD) > 1e-9 || row.RoundSec != 2 {
		t.Errorf("row %+v, want 4 rounds, paired s.d. %.4f, 2 s a round", row, wantSD)
	}
	if row.UnpairedSD <= 2*row.PairedSD {
		t.Errorf("unpaired s.d. %.3f: the shared drift must show unpaired, not paired (%.3f)", row.UnpairedSD, row.PairedSD)
	}
	if math.Abs(row.VarMin-wantSD*wantSD*2/60) > 1e-12 || row.HalfPct <= 0 || row.MinutesTo5 != row.RoundsTo5*2/60 {
		t.Errorf("row %+v", row)
	}
}

// Package stagetest builds the stage-cost fixtures the analysis and report
// tests share: snapshots of known per-stage costs and a small journey run
// with stage counters and a client sweep on a known USL curve.
package stagetest

import (
	"strconv"

	"metricstream/harness/results"
	"metricstream/harness/usl"
	"metricstream/internal/stages"
	"metricstream/variants"
)

// Snap is a snapshot of n timed requests whose stages cost ns each per
// request (by stage name; the others 0).
func Snap(n uint64, ns map[string]int64) *stages.Snapshot {
	s := &stages.Snapshot{Every: 64, Sampled: n}
	for i := stages.Stage(0); i < stages.NumStages; i++ {
		s.Stages = append(s.Stages, stages.StageStat{Stage: i.String(), Count: n, SumNS: ns[i.String()] * int64(n)})
	}
	d := results.AddStages(s)
	return &d
}

// Sweep is the USL curve the "sweep" scenario of Run follows.
var Sweep = usl.Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}

// Run is a run of phase2, phase3 and phase4, 10 rounds each, with stage
// counters: the parser step (phase2→phase3) doubles throughput in "big",
// the lock step (phase3→phase4) changes nothing, and the lock's stage is
// 0.83% of phase3's request time ("big" targets lock); "sweep" is a
// closed-loop client sweep following Sweep.
func Run() *results.Run {
	run := &results.Run{Meta: results.Meta{RunID: "stages-test", NumCPU: 2, GOMAXPROCS: 2, Scenarios: []string{"big", "sweep"}, Count: 10,
		Targets: map[string]string{"big": "lock"}}}
	presets := []string{"phase2", "phase3", "phase4"}
	for _, p := range presets {
		for _, pr := range variants.Presets {
			if pr.Name == p {
				run.Meta.Variants = append(run.Meta.Variants, results.Variant{Label: p, Preset: p, Set: pr.Set})
			}
		}
	}
	rate := map[string]float64{"phase2": 10000, "phase3": 20000, "phase4": 20000}
	parse := map[string]int64{"phase2": 50000, "phase3": 10000, "phase4": 10000}
	for k := 0; k < 10; k++ {
		for i, v := range presets {
			run.Trials = append(run.Trials, results.Trial{Scenario: "big", Variant: v, Trial: k, Model: "closed", Clients: 50,
				Throughput: rate[v] * (1 + 0.01*float64((k*7+3*i)%5-2)), SuccessPct: 100, Counts: results.Counts{Status2xx: 1000},
				Stages: Snap(100, map[string]int64{"read_header": 40000, "parse": parse[v], "rate_limit": 500, "write": 9500})})
			for _, n := range []int{1, 2, 4, 8, 16, 32} {
				run.Trials = append(run.Trials, results.Trial{Scenario: "sweep", Variant: v, Trial: k, Step: "clients=" + strconv.Itoa(n), Model: "closed",
					Clients: n, Throughput: Sweep.Throughput(float64(n)) * (1 + 0.002*float64(k%3-1)), SuccessPct: 100, Counts: results.Counts{Status2xx: 1000}})
			}
		}
	}
	return run
}

// WithCPU gives run's "big" trials CPU figures: per second of trial,
// phase2's server 1.30 CPUs and generator 0.70, phase3's 1.20 and 0.78,
// phase4's 1.18 and 0.78 (with 1000 answers a trial: CPU per request in
// ms), and the machine busy share busy (0: not measured).
func WithCPU(run *results.Run, busy float64) *results.Run {
	cpu := map[string][2]int64{"phase2": {1_300_000_000, 700_000_000}, "phase3": {1_200_000_000, 780_000_000}, "phase4": {1_180_000_000, 780_000_000}}
	for i := range run.Trials {
		tr := &run.Trials[i]
		if tr.Scenario != "big" {
			continue
		}
		c := cpu[tr.Variant]
		s := *tr.Stages
		s.CPUNS = c[0]
		tr.Stages, tr.GeneratorCPUNS, tr.DurationNS, tr.MachineBusy = &s, c[1], 1e9, busy
	}
	return run
}

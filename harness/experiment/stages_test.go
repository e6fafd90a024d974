package experiment

import (
	"context"
	"path/filepath"
	"testing"

	"metricstream/harness/internal/fakeserver"
	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/internal/stages"
)

// With Stages, each load trial carries the difference of its server's
// stage counters: with every request timed (the fake's 1/1), exactly the
// trial's own requests, none of verification's or warm-up's or another
// arm's. Without, none.
func TestRunRecordsStageCounters(t *testing.T) {
	for _, on := range []bool{true, false} {
		l := &fakeLauncher{opts: func(a launch.Arm) fakeserver.Options {
			return fakeserver.Options{Variant: a.Set, Stages: true}
		}}
		cfg := Config{
			Arms: arms(t, "baseline+phase3"), Scenarios: []*scenario.Scenario{tinyScenario(t, "one", `,"steps":[1,3]`)}, Count: 2,
			Dir: filepath.Join(t.TempDir(), "run"), Launcher: l, Stages: on,
		}
		run, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Trials) != 8 {
			t.Fatalf("%d trials, want 8", len(run.Trials))
		}
		for _, tr := range run.Trials {
			// the generator's CPU and the machine's busy share, either way
			if tr.GeneratorCPUNS <= 0 || tr.MachineBusy < 0 || tr.MachineBusy > 1 {
				t.Errorf("trial %s %s: generator CPU %dns, machine busy %v", tr.Step, tr.Variant, tr.GeneratorCPUNS, tr.MachineBusy)
			}
			if !on {
				if tr.Stages != nil {
					t.Fatalf("stages recorded without Config.Stages: %+v", tr.Stages)
				}
				continue
			}
			if tr.Stages == nil {
				t.Fatalf("trial %s %s has no stage counters", tr.Step, tr.Variant)
			}
			if n := uint64(tr.Counts.Total()); tr.Stages.Sampled != n || n == 0 {
				t.Errorf("trial %s %s: %d timed requests, want its %d", tr.Step, tr.Variant, tr.Stages.Sampled, n)
			}
			if p, _ := tr.Stages.Get("parse"); p.Count != tr.Stages.Sampled || p.SumNS <= 0 {
				t.Errorf("parse stage %+v", p)
			}
		}
		if on {
			got, err := results.Read(cfg.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Trials[0].Stages == nil || got.Trials[0].Stages.Sampled != run.Trials[0].Stages.Sampled {
				t.Errorf("stage counters not read back from trials.jsonl: %+v", got.Trials[0].Stages)
			}
		}
	}
}

// Readings of a fleet are summed over its instances; a missing reading
// gives none.
func TestStagesBetween(t *testing.T) {
	if stagesBetween(nil, nil) != nil {
		t.Fatal("no readings gave counters")
	}
	s, err := fakeserver.Start(fakeserver.Options{Stages: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := launch.ReadStages(context.Background(), s.Addr())
	if err != nil || before == nil || before.Sampled != 0 {
		t.Fatalf("fresh fake: %+v %v", before, err)
	}
	plain, err := fakeserver.Start(fakeserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got, err := launch.ReadStages(context.Background(), plain.Addr()); got != nil || err != nil {
		t.Fatalf("a server without stages: %+v %v", got, err)
	}
	b := stageReading{before, before}
	a := *before
	a.Sampled = 5
	a.Stages = append(a.Stages[:0:0], a.Stages...)
	a.Stages[0].Count, a.Stages[0].SumNS = 5, 500
	sum := stagesBetween(b, stageReading{&a, &a})
	if sum == nil || sum.Sampled != 10 || sum.TotalNS != 1000 || sum.MeanNS != 100 {
		t.Fatalf("sum of two replicas %+v", sum)
	}
	if stagesBetween(b, stageReading{&a}) != nil {
		t.Error("a reading missing for one replica still gave counters")
	}
}

// A scenario's server.stages replaces the run's sample on its servers
// (large-batch's few requests are all timed); the other scenarios keep the
// run's. Real phase6 servers, whose /health reports the sample in force.
func TestScenarioStagesSample(t *testing.T) {
	root, err := launch.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	a := arms(t, "phase6")
	pl, err := launch.Build(context.Background(), root, t.TempDir(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	pl.Stages = 64
	dense := tinyScenario(t, "dense", `,"server":{"rate_limit":0,"stages":"all"}`)
	// 600 requests: at 1 in 64, none timed once in 10^4 runs
	plain := tinyScenario(t, "plain", `,"clients":3,"requests":200,"server":{"rate_limit":0}`)
	run, err := Run(context.Background(), Config{Arms: a, Scenarios: []*scenario.Scenario{dense, plain}, Count: 1,
		Dir: filepath.Join(t.TempDir(), "run"), Meta: results.Meta{RunID: "st"}, Launcher: pl, Stages: true})
	if err != nil {
		t.Fatal(err)
	}
	every := map[string]stages.Every{}
	for _, tr := range run.Trials {
		if tr.Stages != nil {
			every[tr.Scenario] = tr.Stages.Every
		}
	}
	if every["dense"] != 1 || every["plain"] != 64 {
		t.Errorf("samples %v, want dense all (1) and plain the run's 1/64", every)
	}
	if tr := run.Trials[0]; tr.Scenario == "dense" && (tr.Stages == nil || int64(tr.Stages.Sampled) < tr.Counts.Total()) {
		t.Errorf("dense: %d requests, stages %+v: want every one timed", tr.Counts.Total(), tr.Stages)
	}
}

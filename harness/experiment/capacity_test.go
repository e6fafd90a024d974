package experiment

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// A capacity search against a real phase6 server: the trial carries every
// point (the probe first), the capacity is the highest passing offered
// rate, the recorded load is the knee point's, nothing acknowledged over
// the whole search is lost, and bench.txt has capacity-req/s. The SLO is
// lenient so that a loaded test machine still finds a passing rate.
func TestCapacityRealServer(t *testing.T) {
	sc := parseScenario(t, "cap", `{"name":"cap","about":"t","kind":"capacity","targets":"executor","model":"open","clients":16,"duration":"150ms","batch":1,
		"server":{"rate_limit":0},"capacity":{"min_requests":150,"probe_hold":"100ms","min_rate":300,"max_rate":20000,"max_points":5},
		"slo":["success >= 99%","p99 <= 500ms"]}`)
	run := runBuilt(t, "phase6", sc)
	noProblems(t, run, "capacity")
	if len(run.Trials) != 1 {
		t.Fatalf("%d trials, want 1", len(run.Trials))
	}
	if run.Meta.Targets["cap"] != "executor" {
		t.Errorf("meta targets %v", run.Meta.Targets)
	}
	tr := run.Trials[0]
	c := tr.Capacity
	if tr.Kind != "capacity" || c == nil || len(c.Points) < 2 || !c.Points[0].Probe {
		t.Fatalf("trial %+v capacity %+v", tr, c)
	}
	if full := len(c.Points) - 1; full > 5 {
		t.Errorf("%d full points, max_points 5", full)
	}
	best := 0.0
	for _, p := range c.Points[1:] {
		if p.Pass && p.Offered > best {
			best = p.Offered
		}
		if p.Probe || p.HoldNS < int64(150e6) {
			t.Errorf("full point %+v: held less than the scenario's 150ms", p)
		}
	}
	if c.RPS != best || c.RPS <= 0 {
		t.Errorf("capacity %v, highest passing point %v", c.RPS, best)
	}
	if tr.OfferedRate != c.RPS || !scenario.Passed(tr.SLO) {
		t.Errorf("recorded load offered %v (want the knee %v), SLO %+v", tr.OfferedRate, c.RPS, tr.SLO)
	}
	if tr.Lost != 0 {
		t.Errorf("lost %d acknowledged metrics", tr.Lost)
	}
	b, err := os.ReadFile(filepath.Join(run.Dir, results.BenchFile))
	if err != nil || !strings.Contains(string(b), "scenario=cap/variant=phase6") || !strings.Contains(string(b), " capacity-req/s") || !strings.Contains(string(b), "Unit capacity-req/s better=higher") {
		t.Fatalf("bench.txt lacks the capacity line (%v):\n%s", err, b)
	}
}

// -cpus: each pass starts its servers pinned (GOMAXPROCS = N, read back
// from the server's start log line), trials record CPUs and a cpus=N step.
// And the launcher lifts the server's cap on client ids per address (64 by
// default): 100 clients from 127.0.0.1, each one request under a limit of
// 1/s, all get 2xx (with the cap, the 36 beyond it would share one quota).
func TestCPUsPasses(t *testing.T) {
	sc := parseScenario(t, "few", `{"name":"few","about":"t","model":"closed","clients":100,"requests":1,"server":{"rate_limit":1}}`)
	root, err := launch.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	a := arms(t, "phase6")
	ctx := context.Background()
	pl, err := launch.Build(ctx, root, t.TempDir(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	run, err := Run(ctx, Config{Arms: a, Scenarios: []*scenario.Scenario{sc}, Count: 1, Dir: dir, Meta: results.Meta{RunID: "cpus", Scenarios: []string{"few"}}, Launcher: pl, CPUs: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Trials) != 1 || run.Trials[0].CPUs != 1 || run.Trials[0].Step != "cpus=1" {
		t.Fatalf("trials %+v", run.Trials)
	}
	if c := run.Trials[0].Counts; c.Status2xx != 100 {
		t.Errorf("100 clients of one address, 1 request each under 1/s: counts %+v, want 100 2xx (the id cap lifted)", c)
	}
	if pl.CPUs != 0 {
		t.Errorf("the launcher is left pinned to %d cores after the run", pl.CPUs)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "servers", "*.log"))
	pinned, unpinned := 0, 0
	one := regexp.MustCompile(`gomaxprocs[=":]+1\b`)
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if one.Match(b) {
			pinned++
		} else if strings.Contains(string(b), "gomaxprocs") {
			unpinned++
		}
	}
	// verification runs unpinned; the measured pass pinned to 1 core
	if pinned != 1 {
		t.Errorf("%d server logs with gomaxprocs 1 (of %d: %d others), want the measured pass's one", pinned, len(logs), unpinned)
	}
}

// A trial's step in a -cpus pass starts with cpus=N.
func TestCPUsStep(t *testing.T) {
	for _, c := range []struct {
		n          int
		step, want string
	}{{0, "", ""}, {0, "rate=5", "rate=5"}, {2, "", "cpus=2"}, {1, "clients=10", "cpus=1/clients=10"}} {
		if got := cpusStep(c.n, c.step); got != c.want {
			t.Errorf("cpusStep(%d, %q) = %q, want %q", c.n, c.step, got, c.want)
		}
	}
}

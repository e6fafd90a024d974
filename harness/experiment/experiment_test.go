package experiment

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"metricstream/harness/analysis"
	"metricstream/harness/internal/fakeserver"
	"metricstream/harness/launch"
	"metricstream/harness/report"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/variants"
)

// fakeLauncher starts in-process fake servers; opts picks each arm's faults.
type fakeLauncher struct {
	opts func(launch.Arm) fakeserver.Options
	mu   sync.Mutex
	n    int
}

type fakeInst struct {
	s    *fakeserver.Server
	data string
}

func (f *fakeInst) Addr() string      { return f.s.Addr() }
func (f *fakeInst) DataFile() string  { return f.data }
func (f *fakeInst) PprofAddr() string { return "" }
func (f *fakeInst) Stop(context.Context) (int, error) {
	return 0, f.s.Close()
}

func (l *fakeLauncher) Start(ctx context.Context, arm launch.Arm, flags []string, dir string) (launch.Instance, error) {
	l.mu.Lock()
	l.n++
	n := l.n
	l.mu.Unlock()
	opt := fakeserver.Options{Variant: arm.Set}
	if l.opts != nil {
		opt = l.opts(arm)
	}
	for i := 0; i+1 < len(flags); i++ {
		if flags[i] == "-rate-limit" {
			fmt.Sscan(flags[i+1], &opt.RateLimit)
		}
	}
	opt.DataFile = filepath.Join(dir, fmt.Sprintf("%s-%d.jsonl", launch.SafeName(arm.Label), n))
	s, err := fakeserver.Start(opt)
	if err != nil {
		return nil, err
	}
	return &fakeInst{s, opt.DataFile}, nil
}

func tinyScenario(t *testing.T, name, extra string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse(name+".json", []byte(`{"name":"`+name+`","about":"test","model":"closed","clients":3,"requests":2,"batch":2,"warmup":"1ms"`+extra+`}`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func arms(t *testing.T, list string) []launch.Arm {
	a, err := launch.ParseArms(list)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Variants run in rounds (each arm once a round), the trials land in the files, and
// verification plus integrity pass for honest servers.
func TestRunInterleavesAndRecords(t *testing.T) {
	dir := t.TempDir()
	var order []string
	var trials []results.Trial
	cfg := Config{
		Arms:      arms(t, "baseline+phase3"),
		Scenarios: []*scenario.Scenario{tinyScenario(t, "one", `,"slo":["success >= 99%"]`), tinyScenario(t, "two", `,"steps":[1,2],"server":{"rate_limit":0}`)},
		Count:     3,
		Dir:       filepath.Join(dir, "run"),
		Meta:      results.Meta{RunID: "test"},
		Launcher:  &fakeLauncher{},
		OnTrial: func(t *results.Trial) {
			order = append(order, t.Scenario+"/"+t.Step)
			trials = append(trials, *t)
		},
		Seed: 7,
	}
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Round by round: every cell's rounds in turn, each round both arms
	// (never A A B B), at places 0 and 1, in an order that is not the
	// same every round (the default orders each round at random).
	var want []string
	for _, cell := range []string{"one/", "two/clients=1", "two/clients=2"} {
		for k := 0; k < 3; k++ {
			want = append(want, cell, cell)
		}
	}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("trial order\n got %v\nwant %v", order, want)
	}
	firsts := map[string]bool{}
	for i := 0; i < len(trials); i += 2 {
		a, b := trials[i], trials[i+1]
		if a.Trial != b.Trial || a.Variant == b.Variant || a.Position != 0 || b.Position != 1 {
			t.Fatalf("round %d: %s #%d at %d, %s #%d at %d", i/2, a.Variant, a.Trial, a.Position, b.Variant, b.Trial, b.Position)
		}
		firsts[a.Variant] = true
	}
	if len(firsts) != 2 {
		t.Errorf("the same arm ran first in all 9 rounds: %v", firsts)
	}
	if run.Meta.Order != OrderRandom || run.Meta.OrderSeed != 7 {
		t.Errorf("meta order %q seed %d", run.Meta.Order, run.Meta.OrderSeed)
	}
	for _, c := range run.Checks {
		if !c.Verified || !c.Intact || c.Failed != "" || c.Acked == 0 || c.Acked != c.Lines {
			t.Errorf("check %+v", c)
		}
	}
	got, err := results.Read(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Trials) != 18 || got.Meta.Count != 3 || len(got.Meta.Variants) != 2 {
		t.Fatalf("read back %d trials, meta %+v", len(got.Trials), got.Meta)
	}
	tr := got.Trials[0]
	if tr.Counts.Status2xx != 6 || tr.Acked != 12 || tr.HDR == "" || len(tr.SLO) != 1 || !tr.SLO[0].Pass {
		t.Fatalf("first trial %+v", tr)
	}
	bench, _ := os.ReadFile(filepath.Join(cfg.Dir, results.BenchFile))
	if !strings.Contains(string(bench), "BenchmarkScenario/scenario=two/clients=2/variant=phase3 1 ") {
		t.Fatalf("bench.txt:\n%s", bench)
	}
}

// A server reporting the wrong variant, and one that loses a line, are
// reported as failed and not measured; an honest one beside them is.
func TestRunFailsDishonestVariants(t *testing.T) {
	l := &fakeLauncher{opts: func(a launch.Arm) fakeserver.Options {
		o := fakeserver.Options{Variant: a.Set}
		switch a.Label {
		case "baseline": // claims to be something else
			o.Variant = variants.Default()
		case "phase2":
			o.LoseLine = true
		}
		return o
	}}
	cfg := Config{
		Arms: arms(t, "baseline+phase2+phase3"), Scenarios: []*scenario.Scenario{tinyScenario(t, "one", "")}, Count: 2,
		Dir: filepath.Join(t.TempDir(), "run"), Launcher: l, Verify: VerifyOptions{LineWait: 100 * time.Millisecond},
	}
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]results.Check{}
	for _, c := range run.Checks {
		checks[c.Variant] = c
	}
	if c := checks["baseline"]; c.Verified || !strings.Contains(c.Failed, "health-variant") {
		t.Errorf("wrong variant not caught: %+v", c)
	}
	if c := checks["phase2"]; c.Verified || !strings.Contains(c.Failed, "valid-batch") {
		t.Errorf("lost line not caught: %+v", c)
	}
	if c := checks["phase3"]; c.Failed != "" || !c.Intact {
		t.Errorf("honest variant failed: %+v", c)
	}
	for _, tr := range run.Trials {
		if tr.Variant != "phase3" {
			t.Fatalf("failed variant %s was measured", tr.Variant)
		}
	}
	if len(run.Trials) != 2 {
		t.Fatalf("%d trials, want 2", len(run.Trials))
	}
}

func TestVerifyCatchesWrongVariant(t *testing.T) {
	want, _ := variants.Parse("baseline")
	s, err := fakeserver.Start(fakeserver.Options{Variant: variants.Default(), RateLimit: 10, DataFile: filepath.Join(t.TempDir(), "d.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	steps := Verify(context.Background(), &fakeInst{s, filepath.Join(t.TempDir(), "d.jsonl")}, want, &Tally{}, VerifyOptions{LineWait: 50 * time.Millisecond})
	if steps[0].Name != "health-variant" || steps[0].OK || !strings.Contains(steps[0].Detail, "parser=fsm") {
		t.Fatalf("%+v", steps[0])
	}
}

// Integrity catches a server that acknowledged more than it wrote, and a
// torn last line.
func TestIntegrity(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.jsonl")
	os.WriteFile(p, []byte("{\"a\":1}\n{\"a\":2}\n"), 0o644)
	if st, lines, _ := Integrity(p, 2); !st.OK || lines != 2 {
		t.Fatalf("%+v", st)
	}
	if st, _, _ := Integrity(p, 3); st.OK || !strings.Contains(st.Detail, "acknowledged 3") {
		t.Fatalf("lost line not caught: %+v", st)
	}
	os.WriteFile(p, []byte("{\"a\":1}\n{\"a\":2}\n{\"a\""), 0o644)
	if st, _, partial := Integrity(p, 2); st.OK || partial != 1 {
		t.Fatalf("torn line not caught: %+v", st)
	}
}

// summarize renders run's terminal summary as `lab experiment` prints it.
func summarize(w io.Writer, run *results.Run) error {
	a, err := analysis.Analyze(run)
	if err != nil {
		return err
	}
	return report.Summary(w, a)
}

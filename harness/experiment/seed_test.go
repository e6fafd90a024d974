package experiment

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/harness/sink"
	"metricstream/variants"
)

func mustArms(t *testing.T, list string) []launch.Arm {
	t.Helper()
	arms, err := launch.ParseArms(list)
	if err != nil {
		t.Fatal(err)
	}
	return arms
}

// A seed-design scenario runs on its seed design and on arms that run no
// seed design (the fix beside it), never on another dimension's seed
// design; other kinds run on every arm.
func TestSeedApplies(t *testing.T) {
	arms := mustArms(t, "seed-designs")
	naive := &scenario.Scenario{Name: "n", Kind: scenario.KindSeedNaive}
	load := &scenario.Scenario{Name: "l", Kind: scenario.KindLoad}
	var on []string
	for _, a := range arms {
		if seedApplies(naive, a) {
			on = append(on, a.Label)
		}
		if !seedApplies(load, a) {
			t.Errorf("load scenario skipped on %s", a.Label)
		}
	}
	if len(on) != 2 || on[0] != "lock:naive"+launch.SeedMark || on[1] != "optimized" {
		t.Errorf("seed-naive runs on %v, want [lock:naive%s optimized]", on, launch.SeedMark)
	}
	ref := launch.Arm{Label: "reference", Set: launch.ReferenceSet(), Reference: true}
	if seedApplies(naive, ref) {
		t.Error("seed-naive runs on the reference server")
	}
}

// A Redis fault scenario runs only on the arms whose limiter uses Redis:
// any other server never crosses the faulty link. The run says which arms
// it skipped, and that it ran nothing when none applies.
func TestRedisScenarioApplies(t *testing.T) {
	arms := mustArms(t, "optimized limiter=redis")
	lat := &scenario.Scenario{Name: "redis-latency", Kind: scenario.KindRedisLatency}
	if armApplies(lat, arms[0]) || !armApplies(lat, arms[1]) {
		t.Errorf("redis-latency on %s: %v, on %s: %v; want only the second", arms[0].Label, armApplies(lat, arms[0]), arms[1].Label, armApplies(lat, arms[1]))
	}
	out := &scenario.Scenario{Name: "redis-outage", Kind: scenario.KindRedisOutage}
	if armApplies(out, launch.Arm{Label: "reference", Set: launch.ReferenceSet(), Reference: true}) {
		t.Error("redis-outage runs on the reference server")
	}
	r := &runner{}
	for _, a := range arms {
		r.arms = append(r.arms, &armState{Arm: a})
	}
	if got := r.notApplying(lat); !strings.Contains(got, "skipped for "+arms[0].Label) {
		t.Errorf("note %q", got)
	}
	r.arms = r.arms[:1]
	if got := r.notApplying(lat); !strings.Contains(got, "not run: no variant of the run has limiter=redis") {
		t.Errorf("note %q", got)
	}
	if got := r.notApplying(&scenario.Scenario{Name: "slowloris", Kind: scenario.KindSlowloris}); got != "" {
		t.Errorf("slowloris note %q", got)
	}
}

// The crash reason is what the runtime wrote in the server's log.
func TestCrashReason(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ log, want string }{
		{"starting\nfatal error: concurrent map writes\n\ngoroutine 7 [running]:\n", "concurrent map writes"},
		{"fatal error: concurrent map read and map write\n", "concurrent map read and map write"},
		{"panic: boom\n\ngoroutine 1\n", "panic: boom"},
		{"listening\n", "exited without a fatal error in its log"},
	} {
		p := filepath.Join(dir, "log")
		if err := os.WriteFile(p, []byte(c.log), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := crashReason(fakeExited{p}); got != c.want {
			t.Errorf("log %q: reason %q, want %q", c.log, got, c.want)
		}
	}
}

type fakeExited struct{ log string }

func (f fakeExited) Addr() string      { return "" }
func (f fakeExited) DataFile() string  { return "" }
func (f fakeExited) PprofAddr() string { return "" }
func (f fakeExited) LogFile() string   { return f.log }
func (f fakeExited) Exited() bool      { return true }
func (f fakeExited) Stop(context.Context) (int, error) {
	return 0, nil
}

// The corpus is judged against the file: right, wrong value, accepted
// garbage, refused valid input, per class.
func TestJudgeCareless(t *testing.T) {
	codes := make([]int, len(carelessCorpus))
	var file []cmetric
	for i, c := range carelessCorpus {
		if c.want == nil {
			codes[i] = 400
			continue
		}
		codes[i] = 200
		for k, w := range c.want {
			w.Value = float64(1000*(i+1) + k)
			file = append(file, w)
		}
	}
	for _, r := range judgeCareless(codes, file) {
		if r.Right != r.Inputs || r.Broken() != 0 {
			t.Errorf("a correct parser: %+v", r)
		}
	}
	// The seed's failures: an escaped quote read short, a valid input
	// refused, trailing garbage acknowledged.
	esc, br, tr := -1, -1, -1
	for i, c := range carelessCorpus {
		switch {
		case c.class == classEscapedQuote && esc < 0:
			esc = i
		case c.class == classBracketInStr && br < 0:
			br = i
		case c.class == classTrailing && tr < 0:
			tr = i
		}
	}
	for j := range file {
		if int(file[j].Value)/1000-1 == esc {
			file[j].Name = `say \`
		}
	}
	codes[br], codes[tr] = 400, 200
	got := map[string]results.CarelessRow{}
	for _, r := range judgeCareless(codes, file) {
		got[r.Class] = r
	}
	if got[classEscapedQuote].Wrong != 1 || got[classBracketInStr].Refused != 1 || got[classTrailing].Garbage != 1 || got[classNested].Broken() != 0 {
		t.Errorf("seed failures not counted: %+v", got)
	}
}

// Every seed design has a kind, and a scenario file of that kind.
func TestEverySeedDesignHasAScenario(t *testing.T) {
	all, err := scenario.LoadDir(filepath.Join("..", "..", "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range variants.SeedDesigns() {
		found := false
		for _, sk := range scenario.SeedKinds {
			if spec == sk.Dimension+"="+sk.Seed {
				found = len(scenario.SeedScenarios(all, []string{sk.Dimension})) > 0
			}
		}
		if !found {
			t.Errorf("%s: no seed-design scenario", spec)
		}
	}
}

// drive counts every answer: clients × requests 2xx against a sink that
// acknowledges one metric each, with fresh or shared ids, paced or not.
func TestDrive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sink.Serve(ln) }()
	t.Cleanup(func() { ln.Close() })
	for _, rate := range []float64{0, 400} {
		ds := drive(context.Background(), driveOpts{Addr: ln.Addr().String(), Clients: 4, PerClient: 10, Duration: 10 * time.Second, Rate: rate,
			Auth: func(c int, seq int64) string { return fmt.Sprint(c, "-", seq) }, Body: []byte(`{}`)})
		var tr results.Trial
		ds.fill(&tr)
		if tr.Counts.Status2xx != 40 || tr.Counts.Total() != 40 || tr.Acked != 40 || ds.answered.Load() != 40 {
			t.Errorf("rate %v: counts %+v acked %d answered %d, want 40 2xx", rate, tr.Counts, tr.Acked, ds.answered.Load())
		}
		// 10 bursts at 100/s per client take at least 90 ms
		if rate > 0 && ds.dur < 90*time.Millisecond {
			t.Errorf("paced at %v/s: took %v", rate, ds.dur)
		}
	}
}

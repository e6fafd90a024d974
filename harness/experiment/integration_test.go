package experiment

import (
	"context"
	"path/filepath"
	"testing"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// End to end against the real server: build one variant with its tags, then
// verify, measure one tiny scenario once, SIGTERM and check integrity.
func TestRealServerEndToEnd(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	a := arms(t, "phase3")
	ctx := context.Background()
	pl, err := Build(ctx, root, t.TempDir(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Parse("tiny.json", []byte(`{"name":"tiny","about":"e2e","model":"closed","clients":4,"requests":3,"batch":5,"keepalive":false,"warmup":"1ms","slo":["success >= 99%"]}`))
	if err != nil {
		t.Fatal(err)
	}
	run, err := Run(ctx, Config{Arms: a, Scenarios: []*scenario.Scenario{sc}, Count: 1, Dir: filepath.Join(t.TempDir(), "run"), Meta: results.Meta{RunID: "e2e"}, Launcher: pl})
	if err != nil {
		t.Fatal(err)
	}
	c := run.Checks[0]
	if !c.Verified || !c.Intact || c.Failed != "" || c.Acked < 12*5 {
		t.Fatalf("check %+v", c)
	}
	if len(run.Trials) != 1 || run.Trials[0].Counts.Status2xx != 12 || run.Trials[0].Acked != 60 {
		t.Fatalf("trials %+v", run.Trials)
	}
}

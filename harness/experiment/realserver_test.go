package experiment

import (
	"context"
	"path/filepath"
	"testing"

	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// runBuilt builds the variants of list (a -variant list) from this module,
// runs scs once each against the real servers and returns the run.
func runBuilt(t *testing.T, list string, scs ...*scenario.Scenario) *results.Run {
	t.Helper()
	root, err := launch.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	a := arms(t, list)
	ctx := context.Background()
	pl, err := launch.Build(ctx, root, t.TempDir(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	meta := results.Meta{RunID: "e2e"}
	for _, sc := range scs {
		meta.Scenarios = append(meta.Scenarios, sc.Name)
	}
	run, err := Run(ctx, Config{Arms: a, Scenarios: scs, Count: 1, Dir: filepath.Join(t.TempDir(), "run"), Meta: meta, Launcher: pl})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

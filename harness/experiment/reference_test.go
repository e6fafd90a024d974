package experiment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"metricstream/harness/internal/fakeserver"
	"metricstream/harness/launch"
	"metricstream/harness/scenario"
	"metricstream/variants"
)

// Verification tells the reference server from the lab's, both ways.
func TestVerifyReferenceVariant(t *testing.T) {
	for _, tc := range []struct {
		name          string
		reports, want variants.Set
		ok            bool
	}{
		{"reference", launch.ReferenceSet(), launch.ReferenceSet(), true},
		{"lab-server-for-reference", variants.Default(), launch.ReferenceSet(), false},
		{"reference-for-optimized", launch.ReferenceSet(), variants.Default(), false},
	} {
		data := filepath.Join(t.TempDir(), "d.jsonl")
		s, err := fakeserver.Start(fakeserver.Options{Variant: tc.reports, RateLimit: 10, DataFile: data})
		if err != nil {
			t.Fatal(err)
		}
		steps := Verify(context.Background(), &fakeInst{s, data}, tc.want, &Tally{}, VerifyOptions{LineWait: 50 * time.Millisecond})
		s.Close()
		if steps[0].Name != "health-variant" || steps[0].OK != tc.ok {
			t.Errorf("%s: %+v", tc.name, steps[0])
		}
		if !tc.ok && !strings.Contains(steps[0].Detail, "server=reference") {
			t.Errorf("%s: detail %q does not name the reference", tc.name, steps[0].Detail)
		}
	}
}

// End to end with the real reference server beside a lab preset: both are
// built (./cmd/reference and ./cmd/metricstream), verified, measured in
// a round, stopped with SIGTERM and checked for integrity.
func TestReferenceEndToEnd(t *testing.T) {
	sc, err := scenario.Parse("tiny.json", []byte(`{"name":"tiny","about":"e2e","model":"closed","clients":4,"requests":3,"batch":5,"keepalive":true,"warmup":"1ms","server":{"rate_limit":0,"workers":4},"slo":["success >= 99%"]}`))
	if err != nil {
		t.Fatal(err)
	}
	run := runBuilt(t, "reference+phase3", sc)
	for _, c := range run.Checks {
		if !c.Verified || !c.Intact || c.Failed != "" || c.Acked < 12*5 {
			t.Errorf("check %+v", c)
		}
	}
	// one round: both, in the round's order
	if len(run.Trials) != 2 || run.Trials[0].Variant == run.Trials[1].Variant || run.Trials[0].Position != 0 || run.Trials[1].Position != 1 {
		t.Fatalf("trials %+v", run.Trials)
	}
	for _, tr := range run.Trials {
		if tr.Counts.Status2xx != 12 || tr.Acked != 60 {
			t.Errorf("%s: %+v", tr.Variant, tr.Counts)
		}
	}
}

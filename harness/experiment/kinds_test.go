package experiment

import (
	"testing"

	"metricstream/harness/scenario"
)

// Every per-trial kind the scenario package accepts has a runner here, and
// the load kind has none (it runs on shared servers).
func TestEveryPerTrialKindHasARunner(t *testing.T) {
	for _, k := range scenario.Kinds() {
		_, ok := runners[k]
		if per := scenario.KindOf(k).PerTrial; per != ok {
			t.Errorf("kind %s: per-trial %v, runner registered %v", k, per, ok)
		}
	}
}

package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// TestDurabilityRealServer: a shutdown and a crash experiment against real
// servers. SIGTERM loses nothing for any writer; a crash loses nothing with
// the sync writer (a process crash keeps the page cache) nor with async +
// fsync always; every restart succeeds and leaves whole lines.
func TestDurabilityRealServer(t *testing.T) {
	var scs []*scenario.Scenario
	for name, body := range map[string]string{
		"down.json":  `{"name":"down","about":"t","kind":"shutdown","model":"closed","clients":8,"duration":"400ms","batch":5,"server":{"rate_limit":0}}`,
		"crash.json": `{"name":"crash","about":"t","kind":"crash","fsync_policies":["never","always"],"model":"closed","clients":8,"duration":"400ms","batch":5,"server":{"rate_limit":0}}`,
	} {
		sc, err := scenario.Parse(name, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		scs = append(scs, sc)
	}
	run := runBuilt(t, "writer=sync+writer=async", scs...) // labels writer:sync and phase6
	if len(run.Trials) != 2*(1+2) {
		t.Fatalf("%d trials, want 6", len(run.Trials))
	}
	for _, tr := range run.Trials {
		if tr.Counts.Status2xx == 0 || tr.Latency.P50 <= 0 || tr.Acked < tr.Counts.Status2xx*5 {
			t.Errorf("%s %s %s: load through harness/load recorded %+v, p50 %d, acked %d", tr.Scenario, tr.Step, tr.Variant, tr.Counts, tr.Latency.P50, tr.Acked)
		}
		if !tr.RestartOK || tr.Acked == 0 || tr.Kind == "" {
			t.Errorf("%s %s %s: restart %v, acked %d, kind %q", tr.Scenario, tr.Step, tr.Variant, tr.RestartOK, tr.Acked, tr.Kind)
		}
		mustKeep := tr.Kind == "shutdown" || tr.Variant == "writer:sync" || tr.Step == "fsync=always"
		if mustKeep && tr.Lost != 0 {
			t.Errorf("%s %s %s lost %d acknowledged metrics", tr.Scenario, tr.Step, tr.Variant, tr.Lost)
		}
	}
	for _, c := range run.Checks {
		for _, s := range c.Steps {
			if strings.HasPrefix(s.Name, "shutdown") || strings.HasPrefix(s.Name, "crash") {
				t.Errorf("%s: problem %s: %s", c.Variant, s.Name, s.Detail)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(run.Dir, results.BenchFile))
	if err != nil || !strings.Contains(string(b), "scenario=crash/fsync=never/variant=phase6") || !strings.Contains(string(b), " lost-metrics") {
		t.Fatalf("bench.txt lacks the durability lines (%v):\n%s", err, b)
	}
}

func TestReadNamesAndLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.jsonl")
	os.WriteFile(path, []byte(`{"timestamp":1,"name":"d1.0.0.0","value":0}
{"timestamp":1,"name":"d1.0.0.1","value":1}
{"timestamp":1,"name":"other.0.0.0","value":1}
{"timestamp":1,"name":"d1.1.4.0","value":0}
{"timestamp":1,"name":"d1.1.4.1","val`), 0o644)
	if torn, err := tornTail(path); err != nil || !torn {
		t.Fatalf("tornTail = %v, %v", torn, err)
	}
	present, partial, err := readNames(path, "d1")
	if err != nil || partial != 1 || len(present) != 3 {
		t.Fatalf("readNames: %v partial %d present %v", err, partial, present)
	}
	l := newAckLog(2)
	for _, r := range []load.Result{{Client: 0, Seq: 0, Status: 200}, {Client: 1, Seq: 4, Status: 200}, {Client: 2, Seq: 0, Status: 200}, {Client: 3, Seq: 0, Status: 503}} {
		l.Add(&r)
	}
	if n := l.lost(present); n != 1+2 {
		t.Fatalf("lost = %d, want 3 (d1.1.4.1 torn, client 2 missing)", n)
	}
}

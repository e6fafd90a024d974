package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"metricstream/harness/analysis"
	"metricstream/harness/report"
	"metricstream/harness/results"
	"metricstream/server"
	"metricstream/variants"
	"metricstream/variants/writer"
)

// startServer serves the optimized variant in this process on a free
// loopback port, for lab experiment -target; it stops with the test.
func startServer(t *testing.T) string {
	t.Helper()
	comp, err := server.ByName(variants.Default())
	if err != nil {
		t.Fatal(err)
	}
	sink, err := writer.Open(filepath.Join(t.TempDir(), "metrics.jsonl"), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Components: comp, Sink: sink, RateLimit: 10, Workers: 4, Queue: 64})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := server.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}

// countAnalyses replaces analyze with one that counts its calls.
func countAnalyses(t *testing.T) *int {
	t.Helper()
	n := 0
	orig := analyze
	analyze = func(run *results.Run) (*analysis.Analysis, error) {
		n++
		return orig(run)
	}
	t.Cleanup(func() { analyze = orig })
	return &n
}

// A whole lab experiment (verification, a trial, the summary, the report
// page) analyses its run once: the summary and the page render the same
// analysis. The summary opens with the run's result and stays within
// report.SummaryWidth columns.
func TestExperimentAnalysesOnce(t *testing.T) {
	addr := startServer(t)
	scen := t.TempDir()
	tiny := `{"name": "tiny", "about": "two keep-alive clients, three requests each", "model": "closed", "clients": 2, "requests": 3,
		"batch": 1, "keepalive": true, "timeout": "2s", "warmup": "10ms", "server": {}, "slo": ["success >= 99%"]}`
	if err := os.WriteFile(filepath.Join(scen, "tiny.json"), []byte(tiny), 0o644); err != nil {
		t.Fatal(err)
	}
	out, reports := t.TempDir(), t.TempDir()
	n := countAnalyses(t)
	var stdout, stderr bytes.Buffer
	err := run(&stdout, &stderr, []string{"experiment", "-target", addr, "-variant", "optimized", "-scenarios", "tiny",
		"-scenario-dir", scen, "-count", "1", "-quiet", "-stages", "off", "-out", out, "-reports", reports, "-run-id", "once"})
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if *n != 1 {
		t.Errorf("the experiment analysed its run %d times, want 1; it printed:\n%s", *n, stdout.String())
	}
	if _, err := os.Stat(filepath.Join(reports, "once", "index.html")); err != nil {
		t.Errorf("no report page: %v", err)
	}
	// before the run it says the round order and its seed; the summary
	// follows the run
	printed := stdout.String()
	if !strings.HasPrefix(printed, "order: random within each round, seed ") {
		t.Errorf("the experiment did not open with its order and seed:\n%s", printed)
	}
	i, j := strings.Index(printed, "Run once: "), strings.Index(printed, "\nresults: ")
	if i < 0 || j < i {
		t.Fatalf("no summary between the order line and the results line:\n%s", printed)
	}
	summary := printed[i:j]
	if !strings.Contains(summary, "tiny") {
		t.Errorf("summary:\n%s", summary)
	}
	for _, l := range strings.Split(summary, "\n") {
		if utf8.RuneCountInString(l) > report.SummaryWidth {
			t.Errorf("summary line of %d columns: %q", utf8.RuneCountInString(l), l)
		}
	}

	// lab report -summary rebuilds both from the stored run, again with
	// one analysis.
	*n = 0
	stdout.Reset()
	if err := run(&stdout, &stderr, []string{"report", "-run", filepath.Join(out, "once"), "-out", t.TempDir(), "-summary"}); err != nil {
		t.Fatal(err)
	}
	if *n != 1 || !strings.HasPrefix(stdout.String(), "Run once: ") {
		t.Errorf("lab report -summary: %d analyses; output:\n%s", *n, stdout.String())
	}
}

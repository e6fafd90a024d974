package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// The terminal summary opens with the run's result and one headline per
// journey step, keeps every line within SummaryWidth columns, and leaves
// the wide tables to -v, after everything else.
func TestSummaryNarrowHeadlinesFirst(t *testing.T) {
	runs := map[string]*analysis.Analysis{"fixture": analyzed(t, fixture(t)), "stages": analyzed(t, stagesRun())}
	// and the runs stored in the repository: real labels, real findings
	stored, _ := filepath.Glob(filepath.Join("..", "..", "docs", "runs", "*", results.MetaFile))
	for _, m := range stored {
		r, err := results.Read(filepath.Dir(m))
		if err != nil {
			t.Fatal(err)
		}
		runs[filepath.Base(filepath.Dir(m))] = analyzed(t, r)
	}
	for name, a := range runs {
		var narrow, wide bytes.Buffer
		if err := WriteSummary(&narrow, a, false); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummary(&wide, a, true); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(narrow.String(), "\n")
		if !strings.HasPrefix(lines[0], "Run "+a.Run.Meta.RunID+": ") {
			t.Errorf("%s: first line %q", name, lines[0])
		}
		for _, l := range lines {
			if n := utf8.RuneCountInString(l); n > SummaryWidth {
				t.Errorf("%s: a line of %d columns: %q", name, n, l)
			}
		}
		// the headlines come before the medians, in step order
		at := strings.Index(narrow.String(), "Medians per cell")
		prev := 0
		for i, h := range headlines(a) {
			first := strings.Fields(h.Text)[0] + " " + strings.Fields(h.Text)[1]
			j := strings.Index(narrow.String(), "  "+string(rune('1'+i))+". "+first)
			if j < prev || j > at {
				t.Errorf("%s: headline %d (%q) at %d, medians at %d", name, i+1, first, j, at)
			}
			prev = j
		}
		if strings.Contains(narrow.String(), "What each step buys") || !strings.Contains(narrow.String(), "add -v") {
			t.Errorf("%s: the narrow summary has the wide table or no pointer to it", name)
		}
		if !strings.HasPrefix(wide.String(), strings.TrimSuffix(narrow.String(), "\nThe full steps table, Amdahl shares, USL fits, the seed designs' trials: add -v, or see the page.\n")) ||
			(len(a.Steps) > 0 && !strings.Contains(wide.String(), "\nWide tables:\nWhat each step buys")) {
			t.Errorf("%s: -v does not append the wide tables to the same summary", name)
		}
	}
}

func analyzed(t *testing.T, run *results.Run) *analysis.Analysis {
	t.Helper()
	a, err := analysis.Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A measured variant's failed check or trial is a Problem of the analysis,
// said in the summary; a failed variant is FAILED, not a problem.
func TestSummaryProblems(t *testing.T) {
	run := fixture(t)
	run.Checks = append(run.Checks,
		results.Check{Variant: "phase2", Steps: []results.Step{{Name: "valid-batch", OK: true}, {Name: "crash (d3)", Detail: "exit code 2"}}},
		results.Check{Variant: "phase9", Failed: "build failed", Steps: []results.Step{{Name: "build", Detail: "no such tag"}}})
	a := analyzed(t, run)
	if len(a.Problems) != 1 || a.Problems[0] != (analysis.Problem{Variant: "phase2", Name: "crash (d3)", Detail: "exit code 2"}) {
		t.Errorf("problems %+v", a.Problems)
	}
	// the fixture's own failed variant, then this one
	if n := len(a.Failed); n == 0 || a.Failed[n-1].Variant != "phase9" || a.Failed[n-1].Detail != "build failed" {
		t.Errorf("failed %+v", a.Failed)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, a, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  phase2: crash (d3): exit code 2", "FAILED (not measured) phase9: build failed"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

// The environment's summary line: a variant that failed its verification
// is named; a trial's failed checks are counted apart.
func TestCheckTally(t *testing.T) {
	ok := results.Check{Variant: "a", Verified: true, Intact: true, Steps: []results.Step{{Name: "valid-batch", OK: true}}}
	r := &Report{Checks: []CheckView{{Variant: "a", Recorded: true, Check: ok}}}
	if got := r.CheckTally(); got != "1 variant, every recorded one verified and intact" {
		t.Errorf("tally %q", got)
	}
	lossy := results.Check{Variant: "u", Verified: true, Intact: true, Steps: []results.Step{
		{Name: "disk-full (d1)", Cell: "disk-full", Trial: "d1"}, {Name: "disk-full (d3)", Cell: "disk-full", Trial: "d3"}}}
	r.Checks = append(r.Checks, CheckView{Variant: "u", Recorded: true, Check: lossy})
	if got := r.CheckTally(); got != "2 variants, every recorded one verified and intact; 2 trial checks failed (u)" {
		t.Errorf("tally %q", got)
	}
}

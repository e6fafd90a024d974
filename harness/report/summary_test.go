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

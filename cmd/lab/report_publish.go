package main

import (
	"io"
	"path/filepath"

	"metricstream/harness/analysis"
	"metricstream/harness/report"
	"metricstream/harness/results"
)

// analyze is the one analysis of a run that every renderer of it draws
// on; a variable so a test can count the calls.
var analyze = analysis.Analyze

// publish analyses run once and renders that analysis: the terminal
// summary to w (none when w is nil; wide: with its wide tables) and, when
// reportsDir is set, the report under reportsDir/<run-id>/. It returns the
// analysis, for a caller with more to render (lab compare's text), and the
// page's path ("" without one).
func publish(w io.Writer, run *results.Run, reportsDir string, wide bool) (*analysis.Analysis, string, error) {
	a, err := analyze(run)
	if err != nil {
		return nil, "", err
	}
	if w != nil {
		if err := report.WriteSummary(w, a, wide); err != nil {
			return a, "", err
		}
	}
	if reportsDir == "" {
		return a, "", nil
	}
	id := run.Meta.RunID
	if id == "" {
		id = filepath.Base(filepath.Clean(run.Dir))
	}
	index, err := report.WriteFrom(a, filepath.Join(reportsDir, filepath.Base(id)))
	return a, index, err
}

// Package report renders one analysis of a lab run (harness/analysis):
// the terminal summary of `lab experiment`, the text of `lab compare`, a
// self-contained HTML page with PNG charts, a CSV of the medians, one
// HdrHistogram percentile file (.hgrm) per variant and cell, and the
// Markdown blocks the READMEs state about a stored run.
//
// Nothing here computes a statistic: medians, confidence intervals,
// p-values, corrections, SLO verdicts, knees, findings and every series a
// chart draws (load curves, merged histograms and their spectra, capacity
// bins, each journey step's effect as a ratio) are the analysis's,
// computed once per run, so every renderer states the same numbers
// (TestTextAndHTMLAgree). The report phrases them (headline.go: one plain
// sentence per journey step, the run's result in one) and lays them out.
//
// Every output function takes its writer first, as vegeta's reporters do:
// WriteSummary(w, a, wide), WriteText(w, a), WriteCSV(w, a),
// WriteMarkdown(w, a, kind, args), WriteHGRM(w, h); WriteFrom(a, dir)
// writes the page and its files. Build, Write and Compare analyse a run
// themselves, for callers that hold no analysis yet.
//
// The page's first 1280×800 answers the question (the result, the journey
// chart, the headlines); "Where the time goes" follows as stage bars; every
// other section is folded. Rebuilding a report from stored results needs
// no server and is deterministic: the page holds no time but the run's
// own, and everything is sorted.
package report

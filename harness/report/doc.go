// Package report renders one analysis of a lab run (harness/analysis):
// a self-contained HTML page with PNG charts, the text of `lab compare`,
// the terminal summary of `lab experiment`, a CSV of the medians and one
// HdrHistogram percentile file (.hgrm) per variant and cell.
//
// Nothing here computes a statistic: medians, confidence intervals,
// p-values, Holm adjustments, SLO verdicts, knees and verdict sentences are
// the analysis's, computed once per run, so every renderer states the same
// numbers (TestTextAndHTMLAgree). The charts select and lay out the
// analysis's trials and medians; they add no rule of their own.
//
// Every output function takes its writer first: Summary(w, a),
// WriteText(w, a), Compare(w, run), WriteCSV(w, a), WriteHGRM(w, h).
//
// Rebuilding a report from stored results needs no server and is
// deterministic: the page holds no time but the run's own, and everything is
// sorted.
package report

// Package report turns one lab run (the files results.Read loads) into a
// self-contained HTML page with PNG charts and benchstat-style comparisons.
//
// The numbers come from one place: Analyze reads the run's benchmark lines
// (bench.txt, or results.BenchText when the file is absent), groups them with
// benchproc by cell (scenario and load step) and variant, summarises every
// unit with benchmath.AssumeNothing (median, 95% confidence interval) and
// compares pairs of variants with its Mann-Whitney U test. The p-values of
// the comparisons of one cell (scenario and step) and one unit form one
// Holm-Bonferroni family: the pairs one table of the report compares.
// Write renders the page and the charts from that Analysis; Compare prints
// the same Analysis as text, so `lab compare` and the page agree on every
// number.
//
// Which pairs are compared: consecutive presets of the journey (baseline,
// phase2, …, phase6) when the run has two or more of them; every A/A arm
// ("phase3#2") against its first arm ("phase3"); every other variant against
// the run's first variant.
//
// Rebuilding a report from stored results needs no server and is
// deterministic: the page holds no time but the run's own, and everything is
// sorted.
package report

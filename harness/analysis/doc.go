// Package analysis computes, once per run, everything the lab's renderers
// state about a run's numbers: medians with their confidence intervals,
// paired effects with their intervals, the family's corrected p-values,
// verdicts, SLO verdicts, knees, capacities (censored ones counted, never
// averaged), stage costs and predictions, USL fits, the order check, and
// the findings of each scenario kind. It is pure: it reads a results.Run
// and writes nothing. Its findings are values (kinds, figures, units,
// reasons); harness/report words them as the terminal summary, `lab
// compare`, the HTML page, the PNG charts, a CSV and .hgrm files, so those
// can never disagree (as x/perf's benchtab builds its tables once and
// renders them as text or CSV).
//
// Comparisons are paired by round (paired.go): every arm ran once per
// round, in a random or balanced order (Meta.Order) or side by side
// (Meta.Duet), so per round the log ratio B/A of each unit cancels
// whatever the machine did during it. The effect is the Hodges-Lehmann
// estimate of those ratios with Tukey's distribution-free interval, tested
// by Wilcoxon's exact signed-rank test (signedrank.go). Every comparison
// of a verdict unit with enough rounds is one hypothesis of ONE family per
// run, corrected by Holm's weighted step-down (family.go): the journey
// steps' primary hypotheses, chosen from the scenarios' targets before the
// run, hold half of α. A non-significant comparison states what its
// interval rules out and the smallest effect the run could have detected.
// The order check (order.go) tests position in the round as a factor;
// SequentialEffects (sequential.go) gives anytime-valid intervals for a
// compare that stops when it knows.
//
// Benchstat's view stays beside it: Analyze reads the run's benchmark
// lines (bench.txt, or results.BenchText when the file is absent), groups
// them with benchproc by cell (scenario and load step) and variant,
// summarises every unit with benchmath.AssumeNothing (median, 95%
// confidence interval) and compares pairs with its Mann-Whitney U test,
// unadjusted, for reference: the verdicts use the paired effects. A value
// results.TrialUnits marks censored (a capacity search that never passed,
// a p99 with more than 1% of requests timed out) is in no sample, no
// interval and no test.
//
// Descriptive statistics (median, MAD, standard deviation) come from
// github.com/montanaflynn/stats; quantiles of the normal and t
// distributions from gonum's distuv.
//
// Which way a unit improves is data: bench.txt carries benchfmt unit
// metadata ("Unit req/s better=higher"), and results.AllUnits, which writes
// those lines, answers for older files without them. A unit neither names
// has no direction; nothing is guessed from its suffix.
//
// Which pairs are compared: consecutive presets of the journey (baseline,
// phase2, …, phase6) when the run has two or more of them; every A/A arm
// ("phase3#2") against its first arm ("phase3"); every other variant against
// the run's first variant.
//
// The one knee rule: the knee of a variant in a scenario stepped by load
// (clients=N or rate=R) is the highest step whose trials all met the
// scenario's SLOs, or whose median success reached 95% when its trials carry
// no SLO. The one SLO rule: a trial meets its SLOs when it carries some and
// every one passed.
package analysis

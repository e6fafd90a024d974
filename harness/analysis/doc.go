// Package analysis computes, once per run, everything the lab's renderers
// state about a run's numbers: every median (and MAD, standard deviation),
// 95% confidence interval, p-value, Holm adjustment, SLO verdict, knee,
// replica and fault finding and verdict sentence. It is pure: it reads a
// results.Run and writes nothing. harness/report renders it as the terminal
// summary, `lab compare`, the HTML page, the PNG charts, a CSV and .hgrm
// files, so those can never disagree (as x/perf's benchtab builds its
// tables once and renders them as text or CSV).
//
// Descriptive statistics (median, MAD, standard deviation)
// come from github.com/montanaflynn/stats; inference from
// golang.org/x/perf: Analyze reads the run's benchmark lines (bench.txt, or
// results.BenchText when the file is absent), groups them with benchproc by
// cell (scenario and load step) and variant, summarises every unit with
// benchmath.AssumeNothing (median, 95% confidence interval) and compares
// pairs of variants with its Mann-Whitney U test. The p-values of the
// comparisons of one cell and one unit form one Holm-Bonferroni family: the
// pairs one table of the report compares.
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

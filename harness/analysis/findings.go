package analysis

import (
	"fmt"

	"metricstream/harness/results"
)

// replicas fills Replicas: for each replica cell, what each variant's
// fleet admitted per client per second (median over the trials), and that
// rate as a multiple of the per-client limit each replica enforces: about
// the number of replicas for a limit kept per replica (the overshoot), 1×
// for one shared by the fleet.
func (a *Analysis) replicas() {
	for _, c := range a.ix.cells {
		line := ""
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 || ts[0].Replicas <= 1 || ts[0].Clients <= 0 {
				continue
			}
			t0 := ts[0]
			if line == "" {
				line = fmt.Sprintf("%s, %d replicas", c, t0.Replicas)
				if t0.RateLimit > 0 {
					line += fmt.Sprintf(" × %d/s per client", t0.RateLimit)
				}
				line += ":"
			} else {
				line += " ·"
			}
			m := MedianOf(ts, func(t *results.Trial) float64 { return t.Throughput / float64(t.Clients) })
			line += fmt.Sprintf(" %s %.1f/s", v, m)
			if t0.RateLimit > 0 {
				line += fmt.Sprintf(" (%.2f×)", m/float64(t0.RateLimit))
			}
		}
		if line != "" {
			a.Replicas = append(a.Replicas, line)
		}
	}
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// finding is a kind's summary row: the line of variant v's trials ts in
// cell c, or "" for none.
type finding func(a *Analysis, c Cell, v string, ts []*results.Trial) string

// findings holds each scenario kind's summary row (Trial.Kind): a kind
// with a verdict of its own registers it from its file's init
// (finding_slowloris.go, finding_overload.go).
var findings = map[string]finding{}

// faults fills Faults with the rows of the kinds that have one: the
// criteria of fault cells (docs/faults.md).
func (a *Analysis) faults() {
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 {
				continue
			}
			if f := findings[ts[0].Kind]; f != nil {
				if line := f(a, c, v, ts); line != "" {
					a.Faults = append(a.Faults, line)
				}
			}
		}
	}
}

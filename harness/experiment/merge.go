package experiment

import (
	"fmt"
	"sort"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/internal/clip"
)

// Merge combines the runs of one run id made by several generator hosts
// against the same server(s): trials of the same (scenario, step, variant,
// trial) cell are merged into one — HDR histograms exactly, counts and
// acknowledged metrics summed, throughput summed (the hosts ran at the same
// time), duration the longest, start the earliest — and Meta.Hosts lists the
// hosts. Checks are kept per host, prefixed with the host in step names.
func Merge(dir string, runs []*results.Run) (*results.Run, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("experiment: merge: no runs")
	}
	out := &results.Run{Dir: dir, Meta: runs[0].Meta}
	out.Meta.Hosts = nil
	hostSeen := map[string]bool{}
	type key struct {
		sc, step, v string
		k           int
	}
	var order []key
	cells := map[key][]*results.Trial{}
	for i, r := range runs {
		if r.Meta.RunID != out.Meta.RunID {
			return nil, fmt.Errorf("experiment: merge: %s is run %q, %s is run %q: only runs of the same id merge",
				runs[0].Dir, clip.String(out.Meta.RunID), r.Dir, clip.String(r.Meta.RunID))
		}
		hosts := r.Meta.Hosts
		if len(hosts) == 0 {
			h := fmt.Sprintf("host%d", i+1)
			for _, t := range r.Trials {
				if t.Host != "" {
					h = t.Host
					break
				}
			}
			hosts = []string{h}
		}
		for _, h := range hosts {
			if hostSeen[h] {
				return nil, fmt.Errorf("experiment: merge: host %q appears in more than one input (%s)", clip.String(h), r.Dir)
			}
			hostSeen[h] = true
			out.Meta.Hosts = append(out.Meta.Hosts, h)
		}
		for j := range r.Trials {
			t := &r.Trials[j]
			k := key{t.Scenario, t.Step, t.Variant, t.Trial}
			if _, ok := cells[k]; !ok {
				order = append(order, k)
			}
			cells[k] = append(cells[k], t)
		}
		for _, c := range r.Checks {
			for si := range c.Steps {
				c.Steps[si].Name = hosts[0] + ": " + c.Steps[si].Name
			}
			out.Checks = append(out.Checks, c)
		}
	}
	out.Meta.Notes = append(out.Meta.Notes, fmt.Sprintf("merged from %d generator hosts: %v", len(runs), out.Meta.Hosts))
	for _, k := range order {
		ts := cells[k]
		m := *ts[0]
		m.Host = ""
		m.Counts = results.Counts{}
		m.Acked, m.Throughput, m.DurationNS, m.Clients, m.OfferedRate = 0, 0, 0, 0, 0
		var hdrs []string
		for _, t := range ts {
			m.Counts = m.Counts.Add(t.Counts)
			m.Acked += t.Acked
			m.Throughput += t.Throughput
			m.Clients += t.Clients
			m.OfferedRate += t.OfferedRate
			m.DurationNS = max(m.DurationNS, t.DurationNS)
			if t.Start.Before(m.Start) {
				m.Start = t.Start
			}
			hdrs = append(hdrs, t.HDR)
		}
		enc, lat, err := results.MergeHDR(hdrs...)
		if err != nil {
			return nil, fmt.Errorf("experiment: merge %s: %w", results.BenchName(&m), err)
		}
		m.HDR, m.Latency = enc, lat
		m.SuccessPct = m.Counts.SuccessPct()
		m.SLO = remeasure(m.SLO, &m)
		out.Trials = append(out.Trials, m)
	}
	sort.SliceStable(out.Trials, func(i, j int) bool { return out.Trials[i].Start.Before(out.Trials[j].Start) })
	out.Meta.Date = time.Now().UTC()
	return out, nil
}

// remeasure evaluates each SLO expression again on the merged trial.
func remeasure(rs []results.SLOResult, t *results.Trial) []results.SLOResult {
	var out []results.SLOResult
	for _, r := range rs {
		slo, err := scenario.ParseSLO(r.Expr)
		if err != nil {
			continue
		}
		out = append(out, slo.Eval(t))
	}
	return out
}

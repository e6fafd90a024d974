package results

import (
	"fmt"
	"sort"
	"time"

	"metricstream/internal/clip"
)

// Merge combines the runs of one run id made by several generator hosts
// against the same server(s): trials of the same (scenario, step, variant,
// trial) cell are merged into one — HDR histograms exactly, counts and
// acknowledged metrics summed, throughput summed (the hosts ran at the same
// time), duration the longest, start the earliest — and Meta.Hosts lists the
// hosts. Checks are kept per host, prefixed with the host in step names.
// remeasure, when not nil, evaluates each merged trial's SLOs again
// (scenario.Remeasure): they depend on the merged counts and latency.
func Merge(dir string, runs []*Run, remeasure func(*Trial)) (*Run, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("results: merge: no runs")
	}
	out := &Run{Dir: dir, Meta: runs[0].Meta}
	out.Meta.Hosts = nil
	hostSeen := map[string]bool{}
	type key struct {
		sc, step, v string
		k           int
	}
	var order []key
	cells := map[key][]*Trial{}
	for i, r := range runs {
		if r.Meta.RunID != out.Meta.RunID {
			return nil, fmt.Errorf("results: merge: %s is run %q, %s is run %q: only runs of the same id merge",
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
				return nil, fmt.Errorf("results: merge: host %q appears in more than one input (%s)", clip.String(h), r.Dir)
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
		m.Counts = Counts{}
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
		enc, lat, err := MergeHDR(hdrs...)
		if err != nil {
			return nil, fmt.Errorf("results: merge %s: %w", BenchName(&m), err)
		}
		m.HDR, m.Latency = enc, lat
		m.SuccessPct = m.Counts.SuccessPct()
		if remeasure != nil {
			remeasure(&m)
		}
		out.Trials = append(out.Trials, m)
	}
	sort.SliceStable(out.Trials, func(i, j int) bool { return out.Trials[i].Start.Before(out.Trials[j].Start) })
	out.Meta.Date = time.Now().UTC()
	return out, nil
}

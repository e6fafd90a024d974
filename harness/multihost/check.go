// Package multihost runs the lab's multi-host path on one machine
// (multihost.sh, `make multihost`: three network namespaces, two generator
// hosts driving one server with `lab experiment -target` under one run id,
// then `lab merge`) and checks what the merge made of the hosts' runs.
package multihost

import (
	"fmt"
	"slices"

	"metricstream/harness/results"
)

// key is a trial's cell: what lab merge combines across hosts.
type key struct {
	scenario, step, variant string
	trial                   int
}

func keyOf(t *results.Trial) key { return key{t.Scenario, t.Step, t.Variant, t.Trial} }

// CheckMerge checks that merged is parts merged: the same cells; in each,
// every outcome count and the acknowledged metrics the sum of the parts',
// and the latency histogram the merge of theirs, bucket by bucket (every
// bucket's count the sum of the parts' counts in that bucket, compared on
// the decoded histograms, not on their encodings); the hosts listed once
// each.
func CheckMerge(merged *results.Run, parts ...*results.Run) error {
	cells := map[key][]*results.Trial{}
	var hosts []string
	for _, p := range parts {
		if p.Meta.RunID != merged.Meta.RunID {
			return fmt.Errorf("multihost: part %s is run %q, merged is %q", p.Dir, p.Meta.RunID, merged.Meta.RunID)
		}
		for i := range p.Trials {
			t := &p.Trials[i]
			cells[keyOf(t)] = append(cells[keyOf(t)], t)
			if t.Host != "" && !slices.Contains(hosts, t.Host) {
				hosts = append(hosts, t.Host)
			}
		}
	}
	if !slices.Equal(hosts, merged.Meta.Hosts) {
		return fmt.Errorf("multihost: merged hosts %v, the parts ran on %v", merged.Meta.Hosts, hosts)
	}
	if len(merged.Trials) != len(cells) {
		return fmt.Errorf("multihost: merged run has %d trials, the parts %d cells", len(merged.Trials), len(cells))
	}
	for i := range merged.Trials {
		m := &merged.Trials[i]
		ps := cells[keyOf(m)]
		if len(ps) != len(parts) {
			return fmt.Errorf("multihost: %s: %d of %d hosts ran it", results.BenchName(m), len(ps), len(parts))
		}
		var sum results.Counts
		var acked int64
		var hs []string
		for _, p := range ps {
			sum = sum.Add(p.Counts)
			acked += p.Acked
			hs = append(hs, p.HDR)
		}
		name := results.BenchName(m)
		if m.Counts != sum {
			return fmt.Errorf("multihost: %s: merged counts %+v, the hosts' sum %+v", name, m.Counts, sum)
		}
		if m.Acked != acked {
			return fmt.Errorf("multihost: %s: merged acknowledged %d, the hosts' sum %d", name, m.Acked, acked)
		}
		if err := sameBuckets(m.HDR, hs); err != nil {
			return fmt.Errorf("multihost: %s: %w", name, err)
		}
	}
	return nil
}

// sameBuckets checks that the histogram merged holds, in every bucket,
// the sum of the parts' counts there.
func sameBuckets(merged string, parts []string) error {
	mh, err := results.DecodeHDR(merged)
	if err != nil {
		return err
	}
	want := map[int64]int64{} // bucket's lowest value -> count
	var total int64
	for _, p := range parts {
		h, err := results.DecodeHDR(p)
		if err != nil {
			return err
		}
		for _, b := range h.Distribution() {
			want[b.From] += b.Count
		}
		total += h.TotalCount()
	}
	if mh.TotalCount() != total {
		return fmt.Errorf("histogram holds %d values, the hosts' %d", mh.TotalCount(), total)
	}
	for _, b := range mh.Distribution() {
		if b.Count != want[b.From] {
			return fmt.Errorf("histogram bucket [%d, %d] ns holds %d, the hosts' %d", b.From, b.To, b.Count, want[b.From])
		}
	}
	return nil
}

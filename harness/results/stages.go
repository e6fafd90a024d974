package results

import "metricstream/internal/stages"

// AddStages is the sum of stage snapshots (several replicas of one trial,
// or several trials of one cell): sampled requests, counts and times
// added stage by stage (matched by name, in the first snapshot's order),
// means and shares recomputed. Nil snapshots are skipped; the sampling
// rate is the first one's.
func AddStages(ss ...*stages.Snapshot) stages.Snapshot {
	var out stages.Snapshot
	first := true
	for _, s := range ss {
		if s == nil {
			continue
		}
		if first {
			out.Every = s.Every
			out.Stages = append([]stages.StageStat(nil), s.Stages...)
			out.Sampled, out.CPUNS = s.Sampled, s.CPUNS
			first = false
			continue
		}
		out.Sampled += s.Sampled
		out.CPUNS += s.CPUNS
		for _, st := range s.Stages {
			i := indexOf(out.Stages, st.Stage)
			if i < 0 {
				out.Stages = append(out.Stages, stages.StageStat{Stage: st.Stage})
				i = len(out.Stages) - 1
			}
			out.Stages[i].Count += st.Count
			out.Stages[i].SumNS += st.SumNS
		}
	}
	// Sub against the empty snapshot recomputes the derived fields.
	return out.Sub(stages.Snapshot{})
}

func indexOf(ss []stages.StageStat, name string) int {
	for i, s := range ss {
		if s.Stage == name {
			return i
		}
	}
	return -1
}

package results

import (
	"testing"

	"metricstream/internal/stages"
)

func snap(sampled uint64, sums ...int64) *stages.Snapshot {
	s := &stages.Snapshot{Every: 64, Sampled: sampled}
	for i, v := range sums {
		s.Stages = append(s.Stages, stages.StageStat{Stage: stages.Stage(i).String(), Count: sampled, SumNS: v})
	}
	return s
}

func TestAddStages(t *testing.T) {
	got := AddStages(snap(10, 100, 300), nil, snap(30, 500, 100))
	if got.Sampled != 40 || got.TotalNS != 1000 || got.Every != 64 {
		t.Fatalf("sampled %d total %d every %v, want 40 1000 1/64", got.Sampled, got.TotalNS, got.Every)
	}
	rh, _ := got.Get("read_header")
	if rh.SumNS != 600 || rh.Count != 40 || rh.Share != 0.6 || rh.PerRequestNS != 15 {
		t.Fatalf("read_header %+v, want sum 600 count 40 share 0.6 per request 15", rh)
	}
	if got.MeanNS != 25 {
		t.Fatalf("mean %v, want 25", got.MeanNS)
	}
	if z := AddStages(); z.Sampled != 0 || z.TotalNS != 0 {
		t.Fatalf("empty sum %+v", z)
	}
}

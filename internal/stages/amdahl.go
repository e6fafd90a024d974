package stages

import (
	"fmt"
	"strings"
)

// Owners says which stages each dimension's code runs in: what a variant
// of that dimension can change. The other stages (reading, validation,
// encoding, the answer) are the same code in every variant.
//
// The limiter dimension shares rate_limit with lock: the lock variants
// are the limiter's locking, so both act on the same stage.
var Owners = map[string][]Stage{
	"parser":   {Parse},
	"writer":   {Write},
	"lock":     {RateLimit},
	"limiter":  {RateLimit},
	"metrics":  {Record},
	"executor": {Queue},
}

// Dimensions is Owners' keys in the lab's order.
var Dimensions = []string{"parser", "writer", "lock", "metrics", "executor", "limiter"}

// Bound is a dimension's Amdahl share in one snapshot: if its stages cost
// nothing at all, a request would take (1 − Share) of its time in the
// server, so no variant of the dimension can cut that time by more than
// Share. (Amdahl's law with the rest of the request as the serial part.)
// MaxSpeedup, 1/(1 − Share), is the throughput that would follow only if
// throughput were set by each request's own time alone; on CPUs the
// stages share it is no bound on throughput: removing one stage's work
// also shortens the other stages' waits.
//
// The shares are of wall time inside the server, waits included (a lock
// waited for, a queue, an fsync): a stage that waits while the CPU serves
// other requests costs latency more than throughput. Predicted beside
// measured shows where that happens.
type Bound struct {
	Dimension    string   `json:"dimension"`
	Stages       []string `json:"stages"`
	Share        float64  `json:"share"`          // of request time, in the dimension's stages
	PerRequestNS float64  `json:"per_request_ns"` // their mean cost per timed request
	MaxSpeedup   float64  `json:"max_speedup"`    // 1/(1 − Share), under the assumption above; +Inf reported as 0 when Share is 1
}

// BoundOf is dim's bound in s.
func BoundOf(s Snapshot, dim string) (Bound, error) {
	own, ok := Owners[dim]
	if !ok {
		return Bound{}, fmt.Errorf("stages: unknown dimension %q (%s)", clip(dim), strings.Join(Dimensions, ", "))
	}
	if s.Sampled == 0 || s.TotalNS <= 0 {
		return Bound{}, fmt.Errorf("stages: no timed requests in the snapshot (was the server started with -stages 1/N?)")
	}
	b := Bound{Dimension: dim}
	for _, st := range own {
		x, ok := s.Get(st.String())
		if !ok {
			return Bound{}, fmt.Errorf("stages: the snapshot has no stage %s", st)
		}
		b.Stages = append(b.Stages, st.String())
		b.Share += x.Share
		b.PerRequestNS += x.PerRequestNS
	}
	if b.Share < 1 {
		b.MaxSpeedup = 1 / (1 - b.Share)
	}
	return b, nil
}

// Bounds is every dimension's bound in s, in Dimensions order.
func Bounds(s Snapshot) ([]Bound, error) {
	var out []Bound
	for _, d := range Dimensions {
		b, err := BoundOf(s, d)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Prediction is the effect of swapping one dimension's variant predicted
// from stage costs, Amdahl's way: the dimension's stages take the new
// cost, every other stage keeps its cost from before.
type Prediction struct {
	Dimension string  `json:"dimension"`
	StageNS   float64 `json:"stage_ns"`     // the dimension's per-request cost before
	NewNS     float64 `json:"new_stage_ns"` // ... and with the new variant
	RequestNS float64 `json:"request_ns"`   // mean request time before
	// PredictedNS is RequestNS − StageNS + NewNS.
	PredictedNS float64 `json:"predicted_request_ns"`
	// TimeChange is PredictedNS/RequestNS − 1: negative when faster.
	TimeChange float64 `json:"time_change"`
	// Speedup is RequestNS/PredictedNS: the throughput ratio new/old for a
	// server bound by its time per request (the same cores kept busy).
	Speedup float64 `json:"speedup"`
}

// Predict predicts swapping dim's variant in before for one whose stages
// cost newStageNS per request (from another snapshot, or a component
// benchmark's ns/op).
func Predict(before Snapshot, dim string, newStageNS float64) (Prediction, error) {
	b, err := BoundOf(before, dim)
	if err != nil {
		return Prediction{}, err
	}
	if newStageNS < 0 || newStageNS != newStageNS {
		return Prediction{}, fmt.Errorf("stages: new stage cost must be >= 0 ns, got %v", newStageNS)
	}
	p := Prediction{Dimension: dim, StageNS: b.PerRequestNS, NewNS: newStageNS, RequestNS: before.MeanNS}
	p.PredictedNS = p.RequestNS - p.StageNS + p.NewNS
	if p.PredictedNS <= 0 || p.RequestNS <= 0 {
		return Prediction{}, fmt.Errorf("stages: predicted request time %v ns is not positive", p.PredictedNS)
	}
	p.TimeChange = p.PredictedNS/p.RequestNS - 1
	p.Speedup = p.RequestNS / p.PredictedNS
	return p, nil
}

// PredictSwap predicts going from the variant measured in before to the
// one measured in after, changing dim only: after's cost for dim's stages
// in before's request. Measured beside it (after.MeanNS/before.MeanNS − 1)
// the gap is what Amdahl's model leaves out: queueing, contention,
// batching, effects on the other stages.
func PredictSwap(before, after Snapshot, dim string) (Prediction, error) {
	a, err := BoundOf(after, dim)
	if err != nil {
		return Prediction{}, fmt.Errorf("%w (the new variant's snapshot)", err)
	}
	return Predict(before, dim, a.PerRequestNS)
}

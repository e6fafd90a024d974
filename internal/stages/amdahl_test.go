package stages

import (
	"math"
	"strings"
	"testing"
)

// snapshotOf times one request of the given steps per entry of reqs.
func snapshotOf(reqs ...[]step) Snapshot {
	tm, c := manual(1)
	var s Sample
	for _, r := range reqs {
		play(tm, c, &s, r)
	}
	return tm.Snapshot()
}

func TestBounds(t *testing.T) {
	snap := snapshotOf(accepted, accepted, accepted, limited) // 32 µs in 4 requests
	bs, err := Bounds(snap)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{ // stage sum / 32000
		"parser":   12000.0 / 32000,
		"writer":   4500.0 / 32000,
		"lock":     1200.0 / 32000,
		"limiter":  1200.0 / 32000,
		"metrics":  800.0 / 32000,
		"executor": 0,
	}
	if len(bs) != len(Dimensions) {
		t.Fatalf("%d bounds", len(bs))
	}
	for _, b := range bs {
		w, ok := want[b.Dimension]
		if !ok || math.Abs(b.Share-w) > 1e-12 {
			t.Errorf("%s: share %v, want %v", b.Dimension, b.Share, w)
		}
		if math.Abs(b.MaxSpeedup-1/(1-w)) > 1e-12 {
			t.Errorf("%s: max speedup %v, want %v", b.Dimension, b.MaxSpeedup, 1/(1-w))
		}
		if b.PerRequestNS != w*8000 {
			t.Errorf("%s: per request %v ns, want %v", b.Dimension, b.PerRequestNS, w*8000)
		}
	}
	lock, _ := BoundOf(snap, "lock")
	if lock.Dimension != "lock" || strings.Join(lock.Stages, ",") != "rate_limit" || math.Abs(lock.Share-want["lock"]) > 1e-12 {
		t.Errorf("lock's share %+v", lock)
	}
	if _, err := BoundOf(snap, "gpu"); err == nil {
		t.Error("unknown dimension accepted")
	}
}

// A dimension that is all of the request: its share is 1 and the
// speedup, infinite, is reported as 0.
func TestBoundWholeRequest(t *testing.T) {
	b, err := BoundOf(snapshotOf([]step{{1000, Parse}}), "parser")
	if err != nil || b.Share != 1 || b.MaxSpeedup != 0 {
		t.Errorf("%+v %v", b, err)
	}
}

func TestPredict(t *testing.T) {
	// find → fsm: the parse stage goes from 4000 to 1000 ns of a 10 µs request
	before := snapshotOf(accepted)
	p, err := Predict(before, "parser", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if p.StageNS != 4000 || p.RequestNS != 10000 || p.PredictedNS != 7000 || math.Abs(p.TimeChange+0.3) > 1e-12 || math.Abs(p.Speedup-10.0/7) > 1e-12 {
		t.Errorf("%+v", p)
	}

	// the same from a snapshot of the new variant: only its parse stage is
	// taken; its other stages (here slower reads) are not the prediction's
	fast := append([]step(nil), accepted...)
	fast[2] = step{5000, ReadBody}
	fast[5] = step{1000, Parse}
	q, err := PredictSwap(before, snapshotOf(fast), "parser")
	if err != nil || q != p {
		t.Errorf("PredictSwap = %+v, %v; want %+v", q, err, p)
	}

	for name, f := range map[string]func() (Prediction, error){
		"negative cost":  func() (Prediction, error) { return Predict(before, "parser", -1) },
		"NaN cost":       func() (Prediction, error) { return Predict(before, "parser", math.NaN()) },
		"unknown":        func() (Prediction, error) { return Predict(before, "gpu", 1) },
		"empty before":   func() (Prediction, error) { return Predict(Snapshot{}, "parser", 1) },
		"empty after":    func() (Prediction, error) { return PredictSwap(before, New(0).Snapshot(), "parser") },
		"zero predicted": func() (Prediction, error) { return Predict(snapshotOf([]step{{1000, Parse}}), "parser", 0) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Every dimension owns at least one stage, and every Dimensions entry is
// in Owners.
func TestOwners(t *testing.T) {
	if len(Owners) != len(Dimensions) {
		t.Fatalf("%d owners, %d dimensions", len(Owners), len(Dimensions))
	}
	for _, d := range Dimensions {
		if len(Owners[d]) == 0 {
			t.Errorf("%s owns no stage", d)
		}
	}
}

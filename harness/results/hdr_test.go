package results

import (
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestHDRRoundTrip(t *testing.T) {
	h := NewHDR()
	for _, v := range []int64{1_000, 1_500, 250_000, 2_000_000, 59_000_000_000} {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := EncodeHDR(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeHDR(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(h) {
		t.Fatalf("decoded histogram differs: %v vs %v", got.Export(), h.Export())
	}
	if _, err := DecodeHDR("not base64!"); err == nil {
		t.Fatal("DecodeHDR accepted garbage")
	}
	if e, err := DecodeHDR(""); err != nil || e.TotalCount() != 0 {
		t.Fatalf("empty: %v %v", e, err)
	}
}

// Merging two histograms is exact: it equals recording every value into one.
func TestMergeHDRExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a, b, all := NewHDR(), NewHDR(), NewHDR()
	for i := 0; i < 5000; i++ {
		v := 1_000 + r.Int64N(1_000_000_000)
		h := a
		if i%3 == 0 {
			h = b
		}
		_ = h.RecordValue(v)
		_ = all.RecordValue(v)
	}
	ea, _ := EncodeHDR(a)
	eb, _ := EncodeHDR(b)
	enc, lat, err := MergeHDR(ea, eb)
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeHDR(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Equals(all) {
		t.Fatal("merged histogram differs from recording all values into one")
	}
	if lat != LatencyOf(all) {
		t.Fatalf("latency %+v, want %+v", lat, LatencyOf(all))
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	h := NewHDR()
	_ = h.RecordValue(123_000)
	enc, _ := EncodeHDR(h)
	run := &Run{
		Dir: filepath.Join(t.TempDir(), "run"),
		Meta: Meta{RunID: "r1", Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), GoVersion: "go1.26", Pinning: "none", Count: 1,
			Scenarios: []string{"s"}, Variants: []Variant{{Label: "phase3", Spec: "parser=fsm", Set: map[string]string{"parser": "fsm"}}}},
		Trials: []Trial{{Scenario: "s", Variant: "phase3", Step: "rate=100", Model: "open", Clients: 2, OfferedRate: 100, Batch: 1,
			Start: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), DurationNS: 1e9, Counts: Counts{Status2xx: 9, Status429: 1, Late: 2},
			Acked: 9, Throughput: 9, SuccessPct: 90, Latency: LatencyOf(h), HDR: enc, SLO: []SLOResult{{Expr: "p99 <= 5ms", Value: 123e3, Pass: true}}}},
		Checks: []Check{{Variant: "phase3", Verified: true, Steps: []Step{{Name: "health-variant", OK: true}}, Acked: 9, Lines: 9, Intact: true}},
	}
	if err := Write(run); err != nil {
		t.Fatal(err)
	}
	got, err := Read(run.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, run) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, run)
	}
}

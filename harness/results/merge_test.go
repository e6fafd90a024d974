package results_test

import (
	"strings"
	"testing"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

func TestMerge(t *testing.T) {
	mk := func(host string, vals ...int64) *results.Run {
		h := results.NewHDR()
		for _, v := range vals {
			h.RecordValue(v)
		}
		enc, _ := results.EncodeHDR(h)
		return &results.Run{Meta: results.Meta{RunID: "r"}, Trials: []results.Trial{{
			Scenario: "s", Variant: "v", Host: host, Clients: 2, HDR: enc, Latency: results.LatencyOf(h), Throughput: 10,
			Counts: results.Counts{Status2xx: int64(len(vals)), Status503: 1}, Acked: int64(len(vals)), DurationNS: 5,
			SLO: []results.SLOResult{{Expr: "success >= 80%"}},
		}}}
	}
	m, err := results.Merge("out", []*results.Run{mk("a", 1e3, 2e3, 3e3, 4e3), mk("b", 5e6, 6e6, 7e6, 8e6)}, scenario.Remeasure)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Meta.Hosts, ",") != "a,b" || len(m.Trials) != 1 {
		t.Fatalf("%+v", m.Meta)
	}
	tr := m.Trials[0]
	if tr.Counts.Status2xx != 8 || tr.Counts.Status503 != 2 || tr.Acked != 8 || tr.Throughput != 20 || tr.Clients != 4 {
		t.Fatalf("%+v", tr)
	}
	h, _ := results.DecodeHDR(tr.HDR)
	if h.TotalCount() != 8 || tr.Latency.Max < 8e6 || tr.Latency.P50 > 5e3 {
		t.Fatalf("merged latency %+v count %d", tr.Latency, h.TotalCount())
	}
	if len(tr.SLO) != 1 || !tr.SLO[0].Pass || tr.SuccessPct != 80 {
		t.Fatalf("slo %+v success %v", tr.SLO, tr.SuccessPct)
	}
	other := mk("c")
	other.Meta.RunID = "other"
	if _, err := results.Merge("out", []*results.Run{mk("a"), other}, scenario.Remeasure); err == nil {
		t.Fatal("merged different run ids")
	}
}

package peers

import (
	"bytes"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteFit(t *testing.T) {
	st := map[string]float64{"parse": 1}
	for _, g := range []float64{1, 2, 4, 8, 16} {
		st["write/group="+strconv.Itoa(int(g))] = 500 + 3000/g
	}
	enq, per, err := WriteFit(st)
	require.NoError(t, err)
	require.InDelta(t, 500, enq, 1e-6)
	require.InDelta(t, 3000, per, 1e-6)

	_, _, err = WriteFit(map[string]float64{"write/group=1": 1})
	require.ErrorContains(t, err, "needs 2")
	_, _, err = WriteFit(map[string]float64{"write/group=x": 1, "write/group=1": 1})
	require.ErrorContains(t, err, "bad group")
}

func benchStages() map[string]float64 {
	return map[string]float64{"parse": 500, "limit": 200, "record": 100, "respond": 50,
		"write/group=1": 3500, "write/group=2": 2000, "write/group=4": 1250, "write/group=16": 687.5}
}

func TestModelStages(t *testing.T) {
	st, err := ModelStages(benchStages(), 0.5)
	require.NoError(t, err)
	require.Equal(t, []StageCost{{"parse", 500}, {"limit", 200}, {"record", 100}, {"respond", 50}, {"write", 2000}}, roundCosts(st))
	st, err = ModelStages(benchStages(), math.NaN())
	require.NoError(t, err)
	require.InDelta(t, 3500, st[4].NS, 1e-6, "unknown writes per request: one write a request, the most")
	st, err = ModelStages(benchStages(), 7)
	require.NoError(t, err)
	require.InDelta(t, 3500, st[4].NS, 1e-6, "more than one write a request is capped at one")
	bad := benchStages()
	delete(bad, "record")
	_, err = ModelStages(bad, 0.5)
	require.ErrorContains(t, err, `"record"`)
}

func roundCosts(cs []StageCost) []StageCost {
	out := make([]StageCost, len(cs))
	for i, c := range cs {
		out[i] = StageCost{c.Name, math.Round(c.NS*1e6) / 1e6}
	}
	return out
}

// peerRun is a passing wrk run of target in mode, in round, whose
// server used cpu ns per request.
func peerRun(target, tool, mode string, round int, rate float64, cpu float64, writesPerReq float64) Run {
	n := int64(rate * 2)
	return Run{Arm: Arm{target, tool, mode}, Round: round, ReqPerS: rate, Requests: n, WallNS: 2e9,
		ServerCPUNS: int64(cpu * float64(n)), ServerWrites: n + int64(writesPerReq*float64(n)),
		ToolCPUNS: int64(cpu * float64(n) / 2)}
}

// The ceiling and the ratios pair figures by round, whatever order the
// runs are stored in, and leave out rounds where a side was excluded.
func TestAnalyzeCeiling(t *testing.T) {
	var runs []Run
	// round r's machine speed s: every rate scales, CPU per request does not
	for _, round := range []int{3, 1, 2, 4} {
		s := map[int]float64{1: 1, 2: 0.5, 3: 2, 4: 1}[round]
		runs = append(runs,
			peerRun(Optimized, Wrk, KeepAlive, round, 30000*s, 30000, 0.5),
			Run{Arm: Arm{Tool: Bench}, Round: round, Stages: benchStages()},
			peerRun(FastHTTPNoop, Wrk, KeepAlive, round, 40000*s, 20000, 0),
			peerRun(FastHTTPNoop, Loadtest, KeepAlive, round, 36000*s, 20000, 0),
		)
	}
	// round 4's optimized run failed a gate: it pairs with nothing
	for i := range runs {
		if runs[i].Round == 4 && runs[i].Target == Optimized {
			runs[i].Excluded = "file has 9 lines, server acknowledged 10"
		}
	}
	a := Analyze(&Results{Runs: runs})
	var c Ceiling
	for _, x := range a.Ceilings {
		if x.Mode == KeepAlive {
			c = x
		}
	}
	require.Empty(t, c.Why)
	require.Equal(t, 3, c.Rounds)
	require.InDelta(t, 20000, c.FastCPU, 1e-6)
	require.InDelta(t, 30000, c.OptCPU, 1e-6)
	require.InDelta(t, 22850, c.CPU, 1e-6) // 20000 + 500 + 200 + 100 + 50 + (500 + 3000*0.5)
	require.InDelta(t, 1e9/22850, c.OneCore, 1e-6)
	vsRPS, vsCPU := c.VsCeiling[0], c.VsCeiling[1]
	require.Equal(t, 3, vsRPS.N)
	require.InDelta(t, 30000/(40000*20000/22850.0), vsRPS.Est, 1e-9)
	require.InDelta(t, vsRPS.Est, vsRPS.Lo, 1e-9, "identical ratios in every round: a zero-width interval (pairing by round, not by position)")
	require.InDelta(t, 22850/30000.0, vsCPU.Est, 1e-9)
	require.InDelta(t, 0.75, c.VsFastHTTP[0].Est, 1e-9)
	require.InDelta(t, 2/3.0, c.VsFastHTTP[1].Est, 1e-9)
	require.Equal(t, CeilingTarget, vsRPS.Target, "keep-alive holds optimized to the ceiling")
	require.Contains(t, vsRPS.Met(), "MISSED")
	// the gap: 10 µs, of which the stages 2.85 µs, the rest 7.15 µs
	require.InDelta(t, 10000, c.GapNS, 1e-6)
	require.Equal(t, "rest", c.Gap[len(c.Gap)-1].Name)
	require.InDelta(t, 7150, c.Gap[len(c.Gap)-1].NS, 1e-6)

	// the generator: 0.9 of wrk in every round, CPU per request equal
	for _, g := range a.Generator {
		if g.Mode == KeepAlive && g.Name == "generator / wrk, fasthttp-noop" && g.Unit == "req/s" {
			require.Equal(t, 4, g.N)
			require.InDelta(t, 0.9, g.Est, 1e-9)
			require.True(t, g.AtLeast(0.9-1e-9))
		}
	}

	// close: nothing measured, so no ceiling and the reason
	for _, x := range a.Ceilings {
		if x.Mode == Close {
			require.NotEmpty(t, x.Why)
		}
	}
	var buf bytes.Buffer
	Print(&buf, &Results{Runs: runs}, a)
	out := buf.String()
	require.Contains(t, out, "ceiling (cost model, 3 rounds)")
	require.Contains(t, out, "round 4: file has 9 lines")
	require.Contains(t, out, "rest 7.15 µs (72%)")
}

// A side excluded in every round gives no ratio, with the reason.
func TestPairedExcluded(t *testing.T) {
	runs := []Run{
		peerRun(Optimized, Wrk, Close, 1, 100, 1000, 1),
		peerRun(NetHTTPNoop, Wrk, Close, 1, 100, 1000, 0),
	}
	runs[0].Excluded = "12 errors (non-2xx or socket)"
	r := paired(runs, runs[0].Arm, runs[1].Arm, rps)
	require.Equal(t, 0, r.N)
	require.Contains(t, r.String(), "12 errors")
}

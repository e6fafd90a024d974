package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"metricstream/harness/results"
)

// R's wilcox.test documentation example (Hollander & Wolfe's depression
// scores, paired): V = 40, two-sided p = 0.03906, (pseudo)median 0.46. The
// exact interval is Tukey's: with n = 9, P(W+ ≤ 5) = 10/512 ≤ 2.5% <
// P(W+ ≤ 6), so it runs from the 6th to the 40th of the 45 sorted Walsh
// averages, [0.01, 0.786], at confidence 1 − 20/512.
var depressionX = []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
var depressionY = []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}

func TestSignedRankAgainstR(t *testing.T) {
	var d []float64
	for i := range depressionX {
		d = append(d, depressionX[i]-depressionY[i])
	}
	p, n := signedRankTest(d)
	if n != 9 || math.Abs(p-0.0390625) > 1e-9 {
		t.Errorf("p = %v over %d, want 0.0390625 over 9", p, n)
	}
	if hl := hodgesLehmann(d); math.Abs(hl-0.46) > 1e-9 {
		t.Errorf("Hodges-Lehmann %v, want 0.46", hl)
	}
	lo, hi, lvl := signedRankCI(d, 0.95)
	if math.Abs(lo-0.01) > 1e-9 || math.Abs(hi-0.786) > 1e-9 || math.Abs(lvl-(1-20.0/512)) > 1e-12 {
		t.Errorf("interval [%v, %v] at %v, want [0.01, 0.786] at 1 − 20/512", lo, hi, lvl)
	}
}

// The exact test's edges: all of 6 rounds one way gives 2/64; 5 rounds
// cannot give a 95% interval; zeros are dropped; ties get midranks and
// the test stays symmetric; beyond exactMaxN the normal approximation
// agrees with the exact distribution.
func TestSignedRankEdges(t *testing.T) {
	if p, n := signedRankTest([]float64{1, 2, 3, 4, 5, 6}); n != 6 || p != 2.0/64 {
		t.Errorf("6 positive: p %v n %d, want 1/32", p, n)
	}
	if p, n := signedRankTest([]float64{0, 0, 1, -1}); n != 2 || p != 1 {
		t.Errorf("zeros dropped: p %v n %d", p, n)
	}
	if p, n := signedRankTest([]float64{0, 0}); n != 0 || p != 1 {
		t.Errorf("all zero: p %v n %d", p, n)
	}
	p1, _ := signedRankTest([]float64{1, 1, 2, -3, 2, 4})
	p2, _ := signedRankTest([]float64{-1, -1, -2, 3, -2, -4})
	if p1 != p2 || p1 <= 0 || p1 > 1 {
		t.Errorf("ties: p %v vs mirrored %v", p1, p2)
	}
	if lo, hi, lvl := signedRankCI([]float64{1, 2, 3, 4, 5}, 0.95); !math.IsInf(lo, -1) || !math.IsInf(hi, 1) || lvl != 0 {
		t.Errorf("5 rounds: [%v, %v] at %v, want none", lo, hi, lvl)
	}
	if lo, hi, lvl := signedRankCI([]float64{3, 1, 6, 2, 5, 4}, 0.95); lo != 1 || hi != 6 || math.Abs(lvl-(1-2.0/64)) > 1e-12 {
		t.Errorf("6 rounds: [%v, %v] at %v, want [min, max] at 1 − 1/32", lo, hi, lvl)
	}
	r := rand.New(rand.NewPCG(1, 1))
	var d []float64
	for range 100 {
		d = append(d, r.NormFloat64()+0.25)
	}
	exact, _ := signedRankTest(d)
	approx, _ := signedRankTest(append(slices.Clone(d), 0)) // a zero is dropped: the same 100 differences, the same exact p
	if exact != approx {
		t.Errorf("a dropped zero changed p: %v vs %v", exact, approx)
	}
	normal, _ := signedRankTest(append(slices.Clone(d), 0.0001)) // 101 nonzero: normal approximation
	if math.Abs(normal-exact)/exact > 0.15 {
		t.Errorf("normal approximation %v far from exact %v", normal, exact)
	}
	if got := minSignedRankP(6); got != 2.0/64 {
		t.Errorf("minSignedRankP(6) = %v", got)
	}
	if !math.IsInf(minDetectable(0.1, 6, 0.01, 0.8), 1) || math.IsInf(minDetectable(0.1, 10, 0.01, 0.8), 1) {
		t.Error("MDE: 6 rounds cannot reach 0.01, 10 can")
	}
}

func TestWeightedHolm(t *testing.T) {
	for _, tc := range []struct{ p, w, want []float64 }{
		{[]float64{0.02, 0.01}, []float64{0.8, 0.2}, []float64{0.025, 0.025}},
		{[]float64{0.001, 0.04}, []float64{0.5, 0.5}, []float64{0.002, 0.04}},
		// a light hypothesis with a tiny p is still first
		{[]float64{0.3, 0.0001}, []float64{0.99, 0.01}, []float64{0.3, 0.01}},
	} {
		got := WeightedHolm(tc.p, tc.w)
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("WeightedHolm(%v, %v) = %v, want %v", tc.p, tc.w, got, tc.want)
				break
			}
		}
	}
}

// pairRun is a run of a and b over rounds of one cell: a's req/s from
// xs, b's from ys, in the given order per round.
func pairRun(xs, ys []float64, aFirst []bool) *results.Run {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"s"}, Order: "random", Variants: []results.Variant{{Label: "a"}, {Label: "b"}}}}
	for k := range xs {
		pa, pb := 0, 1
		if !aFirst[k] {
			pa, pb = 1, 0
		}
		run.Trials = append(run.Trials,
			results.Trial{Scenario: "s", Variant: "a", Trial: k, Position: pa, Throughput: xs[k], SuccessPct: 100, DurationNS: 5e8, Counts: results.Counts{Status2xx: 1000}},
			results.Trial{Scenario: "s", Variant: "b", Trial: k, Position: pb, Throughput: ys[k], SuccessPct: 100, DurationNS: 5e8, Counts: results.Counts{Status2xx: 1000}})
	}
	return run
}

// The paired effect: one log ratio per round, rounds without both arms,
// with a censored value or with a 0 left out and counted; the estimate,
// interval and p from the exact signed-rank; the machine time per round.
func TestPairedEffect(t *testing.T) {
	xs := []float64{100, 110, 90, 105, 95, 100, 120, 80}
	ys := []float64{120, 133, 108, 125, 115, 121, 143, 97}
	order := []bool{true, false, true, false, true, false, true, false}
	run := pairRun(xs, ys, order)
	// round 8: b only; round 6's b censored p99 (2% timed out); round 7: a 0
	run.Trials = append(run.Trials, results.Trial{Scenario: "s", Variant: "b", Trial: 8, Throughput: 100})
	run.Trials[13].Counts.Timeout = 30
	run.Trials[14].Throughput = 0
	ix := indexTrials(run)
	a, b := ix.byCell[Cell{Scenario: "s"}]["a"], ix.byCell[Cell{Scenario: "s"}]["b"]
	e := pairedEffect(a, b, "req/s", false)
	if e.Rounds != 7 || e.Missing != 1 || e.NonPositive != 1 || e.Censored != 0 || len(e.AFirst) != 7 || !e.AFirst[0] || e.AFirst[1] {
		t.Fatalf("effect %+v", e)
	}
	if math.Abs(e.Estimate-20.5) > 1 || e.P != 2.0/128 || !e.HasInterval() || e.Lo > 20 || e.Hi < 21 || e.RoundSeconds != 1 {
		t.Errorf("effect %+v: want ≈ +20%% with p 1/64 and an interval around it", e)
	}
	if want := e.Spread * e.Spread * 1 / 60; math.Abs(e.NoisePerMinute()-want) > 1e-15 {
		t.Errorf("noise per minute %v, want spread² × 1 s / 60", e.NoisePerMinute())
	}
	p99 := pairedEffect(a, b, "p99-ns", false)
	if p99.Censored != 1 {
		t.Errorf("p99 of a round with 3%% timed out: censored %d, want 1", p99.Censored)
	}
	// a duet round's req/s ratio is that of the 2xx over the windows both
	// arms were sending in, the last of them (an arm's end, part way)
	// left out
	w := func(start, sent, ok int64) results.Window {
		return results.Window{StartNS: start, Sent: sent, Status2xx: ok}
	}
	da := &results.Trial{Variant: "a", DuetWith: "b", DurationNS: 1e9, Throughput: 1, Windows: []results.Window{w(0, 100, 100), w(1e8, 100, 100), w(2e8, 100, 100), w(3e8, 60, 50)}}
	db := &results.Trial{Variant: "b", DuetWith: "a", DurationNS: 1e9, Throughput: 1, Windows: []results.Window{w(0, 150, 150), w(1e8, 150, 150), w(2e8, 150, 150), w(3e8, 150, 150)}}
	d, st := roundRatio(da, db, "req/s", true)
	if st != roundOK || math.Abs(d-math.Log(1.5)) > 1e-12 {
		t.Errorf("duet ratio %v (%v), want log 1.5 over the three full shared windows", d, st)
	}
	// a closed loop of fixed requests compares the arms' own rates: the
	// windows' totals are the request count on both sides
	fa := &results.Trial{Variant: "a", DuetWith: "b", Requests: 10, Throughput: 1000, Windows: []results.Window{w(0, 100, 100), w(1e8, 100, 100), w(2e8, 100, 100), w(3e8, 100, 100)}}
	fb := &results.Trial{Variant: "b", DuetWith: "a", Requests: 10, Throughput: 2000, Windows: []results.Window{w(0, 200, 200), w(1e8, 200, 200), w(2e8, 0, 0), w(3e8, 0, 0)}}
	if d, st := roundRatio(fa, fb, "req/s", true); st != roundOK || math.Abs(d-math.Log(2)) > 1e-12 {
		t.Errorf("fixed-request duet ratio %v (%v), want log 2 from the arms' own rates", d, st)
	}
	// a fixed duration whose faster arm stopped early: only the windows
	// both were sending in, less the last
	ga := &results.Trial{Variant: "a", DuetWith: "b", Windows: []results.Window{w(0, 100, 100), w(1e8, 100, 100), w(2e8, 100, 100), w(3e8, 100, 100)}}
	gb := &results.Trial{Variant: "b", DuetWith: "a", Windows: []results.Window{w(0, 200, 200), w(1e8, 200, 200), w(2e8, 0, 0), w(3e8, 0, 0)}}
	if d, st := roundRatio(ga, gb, "req/s", true); st != roundOK || math.Abs(d-math.Log(2)) > 1e-12 {
		t.Errorf("duet ratio past an arm's end %v (%v), want log 2 over the first window", d, st)
	}
	// a trial within one window: the arms' own rates
	oa := &results.Trial{Variant: "a", DuetWith: "b", Throughput: 1000, Windows: []results.Window{w(0, 40, 40)}}
	ob := &results.Trial{Variant: "b", DuetWith: "a", Throughput: 1250, Windows: []results.Window{w(0, 40, 40)}}
	if d, st := roundRatio(oa, ob, "req/s", true); st != roundOK || math.Abs(d-math.Log(1.25)) > 1e-12 {
		t.Errorf("one-window duet ratio %v (%v), want log 1.25 from the arms' rates", d, st)
	}
	if e := pairedEffect([]*results.Trial{da}, []*results.Trial{db}, "req/s", true); !e.Duet || e.RoundSeconds != 1 {
		t.Errorf("duet effect %+v: one second of machine time per round", e)
	}
}

// The order check finds a position effect built into an A/A pair's
// rounds, and none where there is none; a stratum with one order only
// adds nothing.
func TestCheckOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	mk := func(pi float64) []orderStratum {
		var ss []orderStratum
		for range 3 {
			var s orderStratum
			for k := range 12 {
				first := k%2 == 0
				d := 0.02 * r.NormFloat64()
				if first {
					d += pi // B ran second
				} else {
					d -= pi
				}
				s.d, s.aFirst = append(s.d, d), append(s.aFirst, first)
			}
			ss = append(ss, s)
		}
		return append(ss, orderStratum{d: []float64{1, 2}, aFirst: []bool{true, true}})
	}
	o := checkOrder(mk(0.05))
	if o.Strata != 3 || o.Rounds != 36 || o.P > 0.001 || math.Abs(o.Second-pctOf(0.05)) > 1 {
		t.Errorf("planted order effect: %+v", o)
	}
	if o := checkOrder(mk(0)); o.P < 0.05 || math.Abs(o.Second) > 2 {
		t.Errorf("no order effect: %+v", o)
	}
	if o := checkOrder(nil); o.Tested() || !math.IsNaN(o.P) {
		t.Errorf("no strata: %+v", o)
	}
}

// The median confidence sequence narrows with rounds, holds the median,
// and has no finite end until the rounds exclude the tails.
func TestMedianSequence(t *testing.T) {
	var d []float64
	r := rand.New(rand.NewPCG(2, 2))
	for range 400 {
		d = append(d, 0.1+0.05*r.NormFloat64())
	}
	lo5, hi5 := medianSequence(d[:5], 0.05)
	if !math.IsInf(lo5, -1) || !math.IsInf(hi5, 1) {
		t.Errorf("5 rounds: [%v, %v], want unbounded", lo5, hi5)
	}
	prev := math.Inf(1)
	for _, n := range []int{40, 100, 400} {
		lo, hi := medianSequence(d[:n], 0.05)
		if !(lo < 0.1 && 0.1 < hi) || hi-lo >= prev {
			t.Errorf("%d rounds: [%v, %v] (previous width %v)", n, lo, hi, prev)
		}
		prev = hi - lo
	}
	if w := prev; w > 0.05 {
		t.Errorf("400 rounds of spread 0.05: width %v", w)
	}
}

// SequentialEffects: one per cell and unit, capacity in a capacity cell,
// censored rounds counted; PrecisionRule is done when all are within.
func TestSequentialEffects(t *testing.T) {
	var xs, ys []float64
	var order []bool
	r := rand.New(rand.NewPCG(3, 3))
	for k := range 200 {
		x := 1000 * math.Exp(0.03*r.NormFloat64())
		xs, ys, order = append(xs, x), append(ys, x*1.05*math.Exp(0.03*r.NormFloat64())), append(order, k%2 == 0)
	}
	run := pairRun(xs, ys, order)
	es := SequentialEffects(run, "a", "b", nil)
	if len(es) != 1 || es[0].Unit != "req/s" || es[0].Rounds != 200 || !(es[0].Lo < 5 && 5 < es[0].Hi) || !es[0].Excludes0() || es[0].Alpha != Alpha {
		t.Fatalf("effects %+v", es)
	}
	done, _ := PrecisionRule("a", "b", nil, es[0].HalfWidth()+0.01)(run)
	notYet, _ := PrecisionRule("a", "b", nil, es[0].HalfWidth()/2)(run)
	if !done || notYet {
		t.Errorf("precision rule: done %v at its half-width, %v at half of it", done, notYet)
	}
	if es := SequentialEffects(run, "a", "b", []string{"req/s", "success-%"}); len(es) != 2 || es[0].Alpha != Alpha/2 {
		t.Errorf("two units: %+v", es)
	}
}

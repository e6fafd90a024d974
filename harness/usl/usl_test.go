package usl

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/optimize"
)

var levels = []float64{1, 2, 4, 8, 16, 24, 32, 48, 64}

func sweep(m Model, noise float64, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, 1))
	var pts []Point
	for _, n := range levels {
		x := m.Throughput(n) * (1 + noise*(2*r.Float64()-1))
		pts = append(pts, Point{N: n, X: x})
	}
	return pts
}

func near(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// Known parameters are recovered: exactly from exact data, within a
// tolerance from data with ±3% noise.
func TestFitRecoversKnownParameters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		m       Model
		verdict Verdict
		why     Why
	}{
		{"coherency peak inside the sweep", Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, Coherency, PeakPlaced},
		{"small coherency, peak beyond 1.5× the sweep", Model{Lambda: 20000, Sigma: 0.02, Kappa: 0.0001}, Contention, PeakBeyond},
		// the fit's κ is a hair above 0 (the optimizer's √κ never reaches
		// exactly 0), so a peak far beyond the sweep is said not placed
		{"contention only", Model{Lambda: 5000, Sigma: 0.1, Kappa: 0}, Contention, PeakBeyond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := FitPoints(sweep(tc.m, 0, 1))
			if f.Verdict != tc.verdict || f.Why != tc.why {
				t.Fatalf("verdict %q (%s), want %q (%s)", f.Verdict, f.Why, tc.verdict, tc.why)
			}
			if want := tc.m.Efficiency(64); !near(f.Efficiency, want, 1e-3) {
				t.Errorf("efficiency at N=64 %v, want %v", f.Efficiency, want)
			}
			if !near(f.Lambda, tc.m.Lambda, 1e-3) || math.Abs(f.Sigma-tc.m.Sigma) > 1e-4 || math.Abs(f.Kappa-tc.m.Kappa) > 1e-6 || f.R2 < 0.9999 {
				t.Errorf("exact data: got λ=%v σ=%v κ=%v R²=%v, want %+v", f.Lambda, f.Sigma, f.Kappa, f.R2, tc.m)
			}
			switch n, ok := tc.m.Peak(); {
			case ok && n <= PeakReach*64 && !near(f.PeakN, n, 0.01):
				t.Errorf("peak N %v, want %v", f.PeakN, n)
			case (!ok || n > PeakReach*64) && f.PeakN != 0:
				t.Errorf("peak N %v reported beyond %v× the sweep (true %v)", f.PeakN, PeakReach, n)
			}
			// With noise κ is the least determined parameter (a κ of 1e-4
			// moves X(64) as much as a σ of 0.006): the tolerances say so, and
			// the fitted curve must stay near the true one at every level.
			for seed := uint64(1); seed <= 10; seed++ {
				f := FitPoints(sweep(tc.m, 0.03, seed))
				if !f.OK() || !near(f.Lambda, tc.m.Lambda, 0.1) || math.Abs(f.Sigma-tc.m.Sigma) > 0.03 || math.Abs(f.Kappa-tc.m.Kappa) > 2e-4 {
					t.Errorf("±3%% noise, seed %d: %+v, want near %+v", seed, f, tc.m)
				}
				for _, n := range levels {
					if !near(f.Throughput(n), tc.m.Throughput(n), 0.04) {
						t.Errorf("±3%% noise, seed %d: X(%v) = %v, true %v", seed, n, f.Throughput(n), tc.m.Throughput(n))
					}
				}
			}
		})
	}
}

// Pure linear data: no contention, no coherency, no peak.
func TestFitLinear(t *testing.T) {
	var pts []Point
	for _, n := range levels {
		pts = append(pts, Point{N: n, X: 750 * n})
	}
	f := FitPoints(pts)
	if f.Verdict != Linear || !near(f.Lambda, 750, 1e-3) || f.Sigma > 1e-4 || f.Kappa > 1e-7 || f.R2 < 0.9999 {
		t.Fatalf("linear data: %+v", f)
	}
	if f.PeakN != 0 {
		t.Errorf("linear data has a peak at %v", f.PeakN)
	}
	if f.Why != NearLinear || !near(f.Efficiency, 1, 1e-3) {
		t.Errorf("why %q, efficiency %v: want near-linear at 100%%", f.Why, f.Efficiency)
	}
}

// Repeated measurements at one N are averaged before fitting.
func TestFitAveragesRepeats(t *testing.T) {
	m := Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}
	var pts []Point
	for _, n := range levels {
		x := m.Throughput(n)
		pts = append(pts, Point{N: n, X: x * 1.1}, Point{N: n, X: x * 0.9})
	}
	f := FitPoints(pts)
	if f.Points != len(levels) || !near(f.Lambda, 1000, 1e-3) || math.Abs(f.Kappa-0.001) > 1e-6 {
		t.Errorf("%+v", f)
	}
}

// What the fit cannot stand behind is refused, with a reason and no numbers.
func TestFitRefuses(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var garbage []Point
	for _, n := range levels {
		garbage = append(garbage, Point{N: n, X: 1000 + 9000*r.Float64()})
	}
	zigzag := []Point{{1, 100}, {2, 5000}, {4, 100}, {8, 5000}, {16, 100}, {32, 5000}, {64, 100}}
	for _, tc := range []struct {
		name string
		pts  []Point
		want Why
	}{
		{"random", garbage, LowR2},
		{"zigzag", zigzag, LowR2},
		{"too few levels", []Point{{1, 10}, {2, 19}, {4, 35}, {4, 36}, {8, 60}}, TooFewPoints}, // 4 distinct levels
		{"no points", nil, TooFewPoints},
		{"NaN", []Point{{1, 10}, {2, math.NaN()}, {4, 35}, {8, 60}}, InvalidPoint},
		{"N below 1", []Point{{0, 10}, {2, 19}, {4, 35}, {8, 60}}, InvalidPoint},
		{"zero X", []Point{{1, 0}, {2, 19}, {4, 35}, {8, 60}}, InvalidPoint},
		{"flat", []Point{{1, 10}, {2, 10}, {4, 10}, {8, 10}, {16, 10}}, NoVariation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := FitPoints(tc.pts)
			if f.OK() || f.Verdict != Refused || f.Why != tc.want {
				t.Fatalf("got %q (%s), want refused for %s", f.Verdict, f.Why, tc.want)
			}
			if tc.want == LowR2 && !(f.R2 < MinR2) {
				t.Errorf("refused for R² %v ≥ %v", f.R2, MinR2)
			}
			if f.Model != (Model{}) || f.PeakN != 0 {
				t.Errorf("refused fit carries numbers: %+v", f)
			}
		})
	}
}

// An optimizer that stops early (here: an iteration limit of 1) is a
// refusal, not a result.
func TestFitNotConvergedIsRefused(t *testing.T) {
	f := fit(sweep(Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, 0, 1), &optimize.Settings{MajorIterations: 1}, starts)
	if f.OK() || f.Why != NotConverged || f.Starts != len(starts) || f.Err == "" {
		t.Fatalf("got %+v, want refused as not converged", f)
	}
}

// The analytic gradient agrees with finite differences.
func TestGradient(t *testing.T) {
	p := newProblem(average(sweep(Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, 0.05, 3)))
	for _, x := range [][]float64{{0.1, 0.5}, {0.5, 2}, {0.9, 0.05}} {
		g := make([]float64, 2)
		p.grad(g, x)
		for i := range x {
			h := 1e-6
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[i] += h
			xm[i] -= h
			fd := (p.value(xp) - p.value(xm)) / (2 * h)
			if math.Abs(fd-g[i]) > 1e-5*math.Max(1, math.Abs(fd)) {
				t.Errorf("x=%v: ∂f/∂x%d = %v, finite difference %v", x, i, g[i], fd)
			}
		}
	}
}

func TestModel(t *testing.T) {
	m := Model{Lambda: 100, Sigma: 0.1, Kappa: 0.01}
	if got := m.Throughput(1); got != 100 {
		t.Errorf("X(1) = %v, want λ", got)
	}
	n, ok := m.Peak()
	if !ok || !near(n, math.Sqrt(0.9/0.01), 1e-12) {
		t.Errorf("peak %v %v", n, ok)
	}
	if m.Throughput(n) < m.Throughput(n-1) || m.Throughput(n) < m.Throughput(n+1) {
		t.Errorf("X is not highest at N*=%v", n)
	}
	for _, m := range []Model{{Lambda: 1, Sigma: 0.2}, {Lambda: 1, Sigma: 1, Kappa: 0.1}} {
		if _, ok := m.Peak(); ok {
			t.Errorf("%+v has no peak", m)
		}
	}
}

// The bootstrap over trials gives intervals that hold the true
// parameters of a noisy replicated sweep, and says when there was
// nothing to resample.
func TestBootstrap(t *testing.T) {
	m := Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}
	r := rand.New(rand.NewPCG(3, 3))
	var pts []Point
	for _, n := range levels {
		for range 6 {
			pts = append(pts, Point{N: n, X: m.Throughput(n) * math.Exp(0.05*r.NormFloat64())})
		}
	}
	f := FitPoints(pts)
	iv, ok := Bootstrap(pts, f, 0.95, 1)
	if !ok || !iv.Replicated || iv.Draws < BootstrapDraws*9/10 {
		t.Fatalf("bootstrap %+v ok %v", iv, ok)
	}
	peak, _ := m.Peak()
	for _, c := range []struct {
		name          string
		lo, hi, truth float64
	}{{"σ", iv.SigmaLo, iv.SigmaHi, m.Sigma}, {"κ", iv.KappaLo, iv.KappaHi, m.Kappa}, {"λ", iv.LambdaLo, iv.LambdaHi, m.Lambda}, {"N*", iv.PeakLo, iv.PeakHi, peak}} {
		if !(c.lo <= c.truth && c.truth <= c.hi) || c.lo == c.hi {
			t.Errorf("%s interval [%v, %v] misses %v", c.name, c.lo, c.hi, c.truth)
		}
	}
	// the same seed, the same intervals
	if again, _ := Bootstrap(pts, f, 0.95, 1); again != iv {
		t.Errorf("not reproducible: %+v vs %+v", again, iv)
	}
	one := sweep(m, 0.02, 1)
	if iv, ok := Bootstrap(one, FitPoints(one), 0.95, 1); !ok || iv.Replicated {
		t.Errorf("one trial per level: replicated %v", iv.Replicated)
	}
	if _, ok := Bootstrap(nil, Fit{Verdict: Refused}, 0.95, 1); ok {
		t.Error("a refused fit has no intervals")
	}
}

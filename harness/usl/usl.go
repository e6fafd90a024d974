package usl

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/optimize"
)

// Point is one level of a concurrency sweep: N units of concurrency
// (clients of a closed loop, workers) and the throughput X measured there.
type Point struct {
	N float64 `json:"n"`
	X float64 `json:"x"`
}

// Model is the law's three parameters.
type Model struct {
	Lambda float64 `json:"lambda"` // throughput at N = 1 (X per unit of concurrency, before any loss)
	Sigma  float64 `json:"sigma"`  // contention, ≥ 0
	Kappa  float64 `json:"kappa"`  // coherency, ≥ 0
}

// Throughput is X(n).
func (m Model) Throughput(n float64) float64 {
	return m.Lambda * n / (1 + m.Sigma*(n-1) + m.Kappa*n*(n-1))
}

// Peak is N* = sqrt((1−σ)/κ), where X is highest; ok is false when the
// curve has no peak (κ = 0: it flattens; σ ≥ 1: it never grows).
func (m Model) Peak() (n float64, ok bool) {
	if m.Kappa <= 0 || m.Sigma >= 1 {
		return 0, false
	}
	return math.Sqrt((1 - m.Sigma) / m.Kappa), true
}

// Efficiency is X(n) / (λn): the share of linear scaling kept at n.
func (m Model) Efficiency(n float64) float64 {
	return 1 / (1 + m.Sigma*(n-1) + m.Kappa*n*(n-1))
}

// Verdict classifies a fit.
type Verdict string

// Verdicts.
const (
	// Refused: no parameters are given; Fit.Why says why.
	Refused Verdict = "refused"
	// Linear: the fitted curve keeps at least LinearEfficiency of linear
	// scaling at the largest N measured.
	Linear Verdict = "linear"
	// Contention: below LinearEfficiency, with no peak within PeakReach ×
	// the largest N measured: throughput flattens toward λ/σ.
	Contention Verdict = "contention-limited"
	// Coherency: a peak N* within PeakReach × the largest N measured:
	// beyond N*, more concurrency lowers throughput.
	Coherency Verdict = "coherency-limited"
)

// Thresholds of the verdicts.
const (
	// MinPoints is the fewest distinct concurrency levels fitted: three
	// parameters and at least two degrees of freedom left (with one, any
	// four points of a rising sweep fit, and R² says nothing).
	MinPoints = 5
	// MinR2 is the lowest coefficient of determination a fit may have, on
	// the relative residuals the fit minimises (Fit.R2): a curve that
	// explains less than 90% of that variance is not a description of the
	// server, whatever its parameters say.
	MinR2 = 0.90
	// LinearEfficiency: a fit keeping at least 90% of linear scaling at
	// the largest N measured is called linear.
	LinearEfficiency = 0.90
	// PeakReach: a peak predicted beyond 1.5 × the largest N measured is
	// an extrapolation too far to report: Fit.PeakN is then 0 and the
	// verdict contention or linear.
	PeakReach = 1.5
)

// Why is the case behind a verdict, as a value (harness/report says it in
// words, with the Fit's figures).
type Why string

// The cases.
const (
	// Refusals.
	InvalidPoint Why = "invalid-point"  // Fit.Bad: N < 1, or X not finite and > 0
	TooFewPoints Why = "too-few-points" // Fit.Points < MinPoints
	NoVariation  Why = "no-variation"   // X is the same at every N: R² is undefined
	NotConverged Why = "not-converged"  // no start converged: Fit.Starts, Fit.Err
	NoModel      Why = "no-model"       // it converged to parameters that are no model
	LowR2        Why = "low-r2"         // Fit.R2 < MinR2: not a USL curve
	// Verdicts with parameters.
	PeakPlaced Why = "peak"        // Coherency: Fit.PeakN, Fit.PeakX
	NearLinear Why = "near-linear" // Linear: Fit.Efficiency at Fit.MaxN
	Flattening Why = "flattening"  // Contention with κ = 0: toward λ/σ
	PeakBeyond Why = "peak-beyond" // Contention with κ > 0: a peak beyond PeakReach × MaxN, not placed
)

// Fit is the result of fitting a sweep.
type Fit struct {
	Verdict Verdict `json:"verdict"`
	// Why is the case: for Refused, why no parameters are given; else
	// which shape of the verdict the parameters have.
	Why Why `json:"why"`
	// Bad is the first invalid point (Why InvalidPoint); Starts and Err
	// the local searches tried and the last one's error (NotConverged).
	Bad    Point  `json:"bad,omitzero"`
	Starts int    `json:"starts,omitempty"`
	Err    string `json:"err,omitempty"`
	// Efficiency is the share of linear scaling the model keeps at MaxN
	// (Model.Efficiency), when it has parameters.
	Efficiency float64 `json:"efficiency,omitempty"`
	Model              // zero when Refused
	// PeakN is N* when the model has a peak (Model.Peak) within
	// PeakReach × MaxN, else 0; PeakX is X(N*).
	PeakN float64 `json:"peak_n,omitempty"`
	PeakX float64 `json:"peak_x,omitempty"`
	// R2 is the share of the variance of the relative throughput that
	// the fit explains, on the residuals it minimises: 1 − Σ((X−X̂)/X)² /
	// Σ((X−c)/X)², c the constant that fits best in the same weights
	// (also given when refused for it).
	R2   float64 `json:"r2"`
	MaxN float64 `json:"max_n"` // largest N measured
	// Points is how many distinct concurrency levels were fitted (repeated
	// measurements at one N are averaged first).
	Points int `json:"points"`
	// Status is gonum's optimize status of the best start ("" when the
	// optimizer did not run).
	Status string    `json:"status,omitempty"`
	start  []float64 // the optimizer's solution: the bootstrap's start
	// found is the converged model, also when the fit is refused for its
	// R²: a bootstrap refit wants the parameters whatever they explain.
	found *Model
}

// relativeTotal is Σ((X−c)/X)² for the c that minimises it, c = Σ(1/X) /
// Σ(1/X²): the relative residuals of the best constant, the total R2 is
// measured against.
func relativeTotal(data []Point) float64 {
	var a, b float64
	for _, p := range data {
		a += 1 / p.X
		b += 1 / (p.X * p.X)
	}
	c := a / b
	var ss float64
	for _, p := range data {
		r := (p.X - c) / p.X
		ss += r * r
	}
	return ss
}

// OK reports whether the fit carries parameters.
func (f Fit) OK() bool { return f.Verdict != Refused }

// FitPoints fits the law to the points by least squares on the relative
// residuals (X − X̂)/X. Repeated
// measurements at one N are averaged first. It never fails: anything it
// cannot stand behind comes back as a Refused Fit with its reason.
func FitPoints(pts []Point) Fit {
	return fit(pts, nil, starts)
}

// starts are the initial (√σ, √κ·maxN) of the local searches: the
// objective can have more than one local minimum when the data are noisy.
var starts = [][2]float64{
	{0.1, 0.1}, {0.1, 1}, {0.1, 3},
	{0.3, 0.1}, {0.3, 1}, {0.3, 3},
	{0.7, 0.1}, {0.7, 1}, {0.7, 3},
}

func fit(pts []Point, settings *optimize.Settings, from [][2]float64) Fit {
	f := Fit{Verdict: Refused}
	for _, p := range pts {
		if math.IsNaN(p.N) || math.IsInf(p.N, 0) || math.IsNaN(p.X) || math.IsInf(p.X, 0) || p.N < 1 || p.X <= 0 {
			f.Why, f.Bad = InvalidPoint, p
			return f
		}
	}
	data := average(pts)
	f.Points = len(data)
	if len(data) < MinPoints {
		f.Why = TooFewPoints
		return f
	}
	f.MaxN = data[len(data)-1].N
	ss := relativeTotal(data)
	if ss == 0 {
		f.Why = NoVariation
		return f
	}

	pr := newProblem(data)
	var best *optimize.Result
	var lastErr error
	for _, s := range from {
		res, err := optimize.Minimize(optimize.Problem{Func: pr.value, Grad: pr.grad}, s[:], settings, &optimize.LBFGS{})
		if err != nil || res.Status.Early() || math.IsNaN(res.F) {
			if err == nil {
				err = res.Status.Err()
			}
			lastErr = err
			continue
		}
		if best == nil || res.F < best.F {
			best = res
		}
	}
	if best == nil {
		f.Why, f.Starts = NotConverged, len(from)
		if lastErr != nil {
			f.Err = lastErr.Error()
		}
		return f
	}
	m := pr.model(best.X)
	f.Status = best.Status.String()
	if !(m.Lambda > 0) || math.IsInf(m.Lambda, 0) || math.IsNaN(m.Sigma) || math.IsNaN(m.Kappa) {
		f.Why = NoModel
		return f
	}
	f.R2 = 1 - best.F*pr.norm/ss
	f.start = best.X
	f.found = &m
	if f.R2 < MinR2 {
		f.Why = LowR2
		return f
	}

	f.Model = m
	if n, ok := m.Peak(); ok && n <= PeakReach*f.MaxN {
		f.PeakN, f.PeakX = n, m.Throughput(n)
	}
	f.Efficiency = m.Efficiency(f.MaxN)
	switch {
	case f.PeakN > 0:
		f.Verdict, f.Why = Coherency, PeakPlaced
	case f.Efficiency >= LinearEfficiency:
		f.Verdict, f.Why = Linear, NearLinear
	case m.Kappa > 0:
		f.Verdict, f.Why = Contention, PeakBeyond
	default:
		f.Verdict, f.Why = Contention, Flattening
	}
	return f
}

// average sorts the points by N and averages repeated N.
func average(pts []Point) []Point {
	s := append([]Point(nil), pts...)
	sort.Slice(s, func(i, j int) bool { return s[i].N < s[j].N })
	var out []Point
	for i := 0; i < len(s); {
		j, sum := i, 0.0
		for ; j < len(s) && s[j].N == s[i].N; j++ {
			sum += s[j].X
		}
		out = append(out, Point{N: s[i].N, X: sum / float64(j-i)})
		i = j
	}
	return out
}

// problem is the least-squares objective over x = (√σ, √κ·maxN): scaled so
// both coordinates are of order one whatever the range of N (κN² is
// comparable to σN), and squared so σ, κ ≥ 0 without bounds.
//
// The residuals are relative, (X − X̂)/X (weights 1/X²): throughput noise
// is proportional to throughput, and with absolute residuals the few
// highest points would decide the fit alone, leaving X(1) — λ itself —
// several percent off. λ is solved in closed form for each (σ, κ):
// λ* = Σ w·X·g / Σ w·g², with g(N) = X(N)/λ and w = 1/X².
type problem struct {
	data   []Point
	scale  float64 // maxN²
	norm   float64 // the number of points: the objective is the mean squared relative residual
	g, dgs []float64
	dgk    []float64
}

func newProblem(data []Point) *problem {
	p := &problem{data: data, g: make([]float64, len(data)), dgs: make([]float64, len(data)), dgk: make([]float64, len(data))}
	maxN := data[len(data)-1].N
	p.scale = maxN * maxN
	p.norm = float64(len(data))
	return p
}

func (p *problem) params(x []float64) (sigma, kappa float64) {
	return x[0] * x[0], x[1] * x[1] / p.scale
}

// eval fills g and its derivatives at x and returns λ*.
func (p *problem) eval(x []float64) float64 {
	sigma, kappa := p.params(x)
	var xg, gg float64
	for i, d := range p.data {
		den := 1 + sigma*(d.N-1) + kappa*d.N*(d.N-1)
		p.g[i] = d.N / den
		p.dgs[i] = -d.N * (d.N - 1) / (den * den)
		p.dgk[i] = -d.N * d.N * (d.N - 1) / (den * den)
		w := 1 / (d.X * d.X)
		xg += w * d.X * p.g[i]
		gg += w * p.g[i] * p.g[i]
	}
	return xg / gg
}

func (p *problem) value(x []float64) float64 {
	lam := p.eval(x)
	var sum float64
	for i, d := range p.data {
		r := (d.X - lam*p.g[i]) / d.X
		sum += r * r
	}
	return sum / p.norm
}

// grad: at λ*, ∂f/∂λ = 0, so the derivative of min over λ is the partial
// derivative at λ* (the envelope theorem).
func (p *problem) grad(grad, x []float64) {
	lam := p.eval(x)
	var ds, dk float64
	for i, d := range p.data {
		r := (d.X - lam*p.g[i]) / (d.X * d.X)
		ds += -2 * r * lam * p.dgs[i]
		dk += -2 * r * lam * p.dgk[i]
	}
	grad[0] = ds / p.norm * 2 * x[0]
	grad[1] = dk / p.norm * 2 * x[1] / p.scale
}

func (p *problem) model(x []float64) Model {
	sigma, kappa := p.params(x)
	return Model{Lambda: p.eval(x), Sigma: sigma, Kappa: kappa}
}

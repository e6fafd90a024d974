package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"metricstream/harness/results"
)

// Capacity at SLO: the highest offered rate of an open-loop load at which
// every objective still holds, found by search rather than read off a fixed
// list of rates (a fixed list puts the knee wherever its last step is).
//
// The search, in order:
//
//  1. Probe: one short point (ProbeHold) at ProbeRate, meant to be beyond
//     capacity. Its achieved 2xx rate estimates what the server can serve at
//     all; the search starts from StartFactor × that estimate. The probe's
//     p99 comes from too few requests to judge the SLO, so it never bounds
//     the answer.
//  2. Bracketing: full points, multiplying the rate by Growth while they
//     pass (up to MaxRate) or dividing by it while they fail (down to
//     MinRate), until one passing and one failing rate are known.
//  3. Bisection: at the geometric midpoint of the bracket, until
//     failing/passing ≤ 1 + Tolerance (5%).
//
// Every full point is held for max(MinHold, MinRequests/rate): with the
// defaults at least 1 s and 2000 requests, so its p99 rests on at least 20
// requests above it (it is then the 1980th fastest of 2000, not an
// interpolation between two samples).
//
// The search assumes a pass below a failure (monotone in rate); when noise
// breaks that, bisection trusts the latest point, and the Points show it.
//
// A point that failed while its generator fell behind its schedule
// (Trial.GeneratorLimited: the generator itself, not a busy connection,
// delayed more than 1% of the sends by more than 5 ms), and that would
// meet its objectives with the generator's delays taken out of its
// latency, may have failed for the generator, and is kept out of the
// decision: above a passing
// rate the search stops there (the capacity is at least that rate: AtMax,
// GeneratorLimited), inside a bracket it stops with the bracket (not
// converged); with nothing passed yet it steps down as from a failure,
// without counting one. A point that passed all the same stands: latency
// is timed from each intended send, so the generator's lateness only made
// it look worse.
//
// Every way a search can end is in Capacity: converged (a number), AtMax
// (at least RPS), BelowMin or no pass at all (below the lowest rate
// tried), or a bracket that did not converge; results.CapacityStats's
// Censored reads them.

// Objective is one condition a point must meet; scenario.SLO implements it
// ("p99 <= 5ms", "success >= 99%").
type Objective interface {
	Eval(t *results.Trial) results.SLOResult
}

// RunFunc runs an open-loop load at rate requests per second for hold and
// returns what it observed (latency timed from each intended send time,
// late sends and errors in Counts). OpenRunner makes one from a Config.
// An error means the run could not be made (not a bad outcome: those are
// in the Trial) and stops the search.
//
// A run may stop sending before its schedule is done when the target falls
// far behind (OpenRunner stops at 2 × hold): a point that attempted fewer
// requests than its schedule held fails, and Point.Cut says so, because the
// requests it never sent would otherwise be hidden from its latency.
type RunFunc func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error)

// Search parameters; zero fields take the defaults in brackets.
type CapacitySearch struct {
	Run        RunFunc     // required
	Objectives []Objective // required: every one must pass at a point

	ProbeRate   float64       // offered rate of the probe [MaxRate]
	ProbeHold   time.Duration // [500ms]
	StartFactor float64       // first full point at StartFactor × probe's achieved rate [0.8]
	Growth      float64       // bracketing factor, > 1 [1.5]
	Tolerance   float64       // final bracket width failing/passing − 1 [0.05]
	MinHold     time.Duration // [1s]
	MinRequests int           // [2000]
	MinRate     float64       // give up below this rate [200 req/s: a 10 s hold with the defaults]
	MaxRate     float64       // never offer more (the generator's ceiling) [200000 req/s]
	MaxPoints   int           // bound on full points [24]
}

// Search defaults.
const (
	DefaultProbeHold   = 500 * time.Millisecond
	DefaultStartFactor = 0.8
	DefaultGrowth      = 1.5
	DefaultTolerance   = 0.05
	DefaultMinHold     = time.Second
	DefaultMinRequests = 2000
	DefaultMinRate     = 200
	DefaultMaxRate     = 200000
	DefaultMaxPoints   = 24
)

// Point is one load the search ran.
type Point struct {
	Offered  float64 `json:"offered_rps"`  // requests per second scheduled
	Achieved float64 `json:"achieved_rps"` // 2xx answers to requests sent in the hold, per second of hold
	Sent     float64 `json:"sent_rps"`     // requests sent in the hold per second of hold
	P99      int64   `json:"p99_ns"`       // from the intended send time
	Requests int64   `json:"requests"`     // attempted
	// Scheduled is rate × hold; a full point with Requests < Scheduled was
	// cut (the run stopped sending before its schedule was done) and fails.
	Scheduled int64         `json:"scheduled"`
	Cut       bool          `json:"cut,omitempty"`
	Late      int64         `json:"late"`   // sent later than their intended time
	Errors    int64         `json:"errors"` // not 2xx (any status, timeout, connection error)
	Hold      time.Duration `json:"hold_ns"`
	Probe     bool          `json:"probe,omitempty"` // the short probe: not judged
	// GeneratorLimited: the point failed while the generator fell behind
	// its schedule (Trial.GeneratorLimited): not judged (Pass false, and
	// not a failure either).
	GeneratorLimited bool                `json:"generator_limited,omitempty"`
	Pass             bool                `json:"pass"`
	SLO              []results.SLOResult `json:"slo"`
}

// Capacity is a search's answer.
type Capacity struct {
	// RPS is the highest offered rate that passed (0 when none did).
	RPS float64 `json:"capacity_rps"`
	// Failing is the lowest offered rate that failed above RPS (0 when
	// none did: RPS is then MaxRate, a lower bound).
	Failing float64 `json:"failing_rps,omitempty"`
	// AtMax: no rate above RPS failed: the SLO held up to MaxRate, or up
	// to where the generator could send no more (GeneratorLimited), or the
	// points ran out while the rates still passed. The capacity is at
	// least RPS.
	AtMax bool `json:"at_max,omitempty"`
	// BelowMin: no rate down to MinRate passed; RPS is 0. (A search that
	// ran out of points before MinRate with no pass has RPS 0 too: below
	// the lowest rate it tried.)
	BelowMin bool `json:"below_min,omitempty"`
	// GeneratorLimited: the search stopped at a point the generator could
	// not send on schedule (Point.GeneratorLimited).
	GeneratorLimited bool `json:"generator_limited,omitempty"`
	// Converged: Failing/RPS ≤ 1 + Tolerance.
	Converged bool    `json:"converged"`
	Points    []Point `json:"points"` // in the order they ran, the probe first
}

// Knee is the point the capacity was read from (the highest passing full
// point at RPS), or nil when none passed.
func (c *Capacity) Knee() *Point {
	for i := range c.Points {
		p := &c.Points[i]
		if !p.Probe && p.Pass && p.Offered == c.RPS {
			return p
		}
	}
	return nil
}

// Stats is c as the results files keep it (results.CapacityStats, whose
// Censored says how to read it), with the objective it was searched for.
func (c *Capacity) Stats(objective []string) *results.CapacityStats {
	s := &results.CapacityStats{RPS: c.RPS, Failing: c.Failing, Converged: c.Converged, AtMax: c.AtMax, BelowMin: c.BelowMin,
		GeneratorLimited: c.GeneratorLimited, Objective: objective}
	for _, p := range c.Points {
		s.Points = append(s.Points, results.CapacityPoint{Offered: p.Offered, Achieved: p.Achieved, Sent: p.Sent, P99: p.P99,
			Requests: p.Requests, Errors: p.Errors, Late: p.Late, HoldNS: int64(p.Hold), Probe: p.Probe, Cut: p.Cut,
			GeneratorLimited: p.GeneratorLimited, Pass: p.Pass})
	}
	return s
}

// String is one line: "12345 req/s (bracket 12345..12900, 9 points)".
func (c *Capacity) String() string {
	switch {
	case c.BelowMin || c.RPS <= 0:
		return fmt.Sprintf("below %.0f req/s: the SLO failed at every rate tried (%d points)", c.failingFloor(), len(c.Points))
	case c.AtMax && c.GeneratorLimited:
		return fmt.Sprintf(">= %.0f req/s: the SLO held up to where the generator fell behind its schedule (%d points)", c.RPS, len(c.Points))
	case c.AtMax:
		return fmt.Sprintf(">= %.0f req/s: no rate the search offered failed (%d points)", c.RPS, len(c.Points))
	case c.GeneratorLimited:
		return fmt.Sprintf("%.0f req/s, not converged: the generator fell behind its schedule inside the bracket %.0f..%.0f (%d points)", c.RPS, c.RPS, c.Failing, len(c.Points))
	case !c.Converged:
		return fmt.Sprintf("%.0f req/s, not converged (bracket %.0f..%.0f, %d points)", c.RPS, c.RPS, c.Failing, len(c.Points))
	}
	return fmt.Sprintf("%.0f req/s (bracket %.0f..%.0f, %d points)", c.RPS, c.RPS, c.Failing, len(c.Points))
}

func (c *Capacity) failingFloor() float64 {
	lo := math.Inf(1)
	for _, p := range c.Points {
		if !p.Probe && !p.GeneratorLimited && p.Offered < lo {
			lo = p.Offered
		}
	}
	if math.IsInf(lo, 1) {
		return 0
	}
	return lo
}

func (s *CapacitySearch) defaults() {
	if s.MaxRate <= 0 {
		s.MaxRate = DefaultMaxRate
	}
	if s.ProbeRate <= 0 {
		s.ProbeRate = s.MaxRate
	}
	if s.ProbeHold <= 0 {
		s.ProbeHold = DefaultProbeHold
	}
	if s.StartFactor <= 0 {
		s.StartFactor = DefaultStartFactor
	}
	if s.Growth <= 0 {
		s.Growth = DefaultGrowth
	}
	if s.Tolerance <= 0 {
		s.Tolerance = DefaultTolerance
	}
	if s.MinHold <= 0 {
		s.MinHold = DefaultMinHold
	}
	if s.MinRequests <= 0 {
		s.MinRequests = DefaultMinRequests
	}
	if s.MinRate <= 0 {
		s.MinRate = DefaultMinRate
	}
	if s.MaxPoints <= 0 {
		s.MaxPoints = DefaultMaxPoints
	}
}

func (s *CapacitySearch) validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case s.Run == nil:
		return errors.New("load: capacity search needs a Run function")
	case len(s.Objectives) == 0:
		return errors.New("load: capacity search needs at least one objective (an SLO)")
	case !finite(s.MaxRate) || !finite(s.MinRate) || !finite(s.ProbeRate) || !finite(s.StartFactor):
		return errors.New("load: capacity search rates must be finite")
	case s.Growth <= 1 || !finite(s.Growth):
		return fmt.Errorf("load: capacity search growth must be > 1, got %v", s.Growth)
	case s.Tolerance >= s.Growth-1:
		return fmt.Errorf("load: capacity search tolerance %v must be below growth−1 (%v)", s.Tolerance, s.Growth-1)
	case s.MinRate >= s.MaxRate:
		return fmt.Errorf("load: capacity search min rate %v must be below max rate %v", s.MinRate, s.MaxRate)
	case s.ProbeRate > s.MaxRate:
		return fmt.Errorf("load: capacity search probe rate %v is above max rate %v", s.ProbeRate, s.MaxRate)
	}
	for i, o := range s.Objectives {
		if o == nil {
			return fmt.Errorf("load: capacity search objective %d is nil", i)
		}
	}
	return nil
}

// Hold is how long a full point at rate is held: max(MinHold,
// MinRequests/rate), so that every point has at least MinRequests
// requests and lasts at least MinHold.
func (s *CapacitySearch) Hold(rate float64) time.Duration {
	s.defaults()
	h := time.Duration(math.Ceil(float64(s.MinRequests) / rate * float64(time.Second)))
	return max(h, s.MinHold)
}

// Find runs the search. It returns the capacity with every point it ran;
// on an error from Run or ctx, the points so far, what they established
// (RPS, Failing; not converged) and the error.
func (s CapacitySearch) Find(ctx context.Context) (Capacity, error) {
	s.defaults()
	var c Capacity
	if err := s.validate(); err != nil {
		return c, err
	}
	run := func(rate float64, hold time.Duration, probe bool) (Point, error) {
		if err := ctx.Err(); err != nil {
			return Point{}, err
		}
		t, err := s.Run(ctx, rate, hold)
		if err != nil {
			return Point{}, fmt.Errorf("load: capacity point at %.0f req/s: %w", rate, err)
		}
		p := Point{
			Offered: rate, Achieved: t.Throughput, Sent: t.SentRate, P99: t.Latency.P99,
			Requests: t.Counts.Total(), Late: t.Counts.Late,
			Errors: t.Counts.Total() - t.Counts.Status2xx,
			Hold:   hold, Probe: probe, Pass: true,
		}
		p.Scheduled = Constant{Rate: rate, Duration: hold}.Requests()
		p.Cut = p.Requests < p.Scheduled
		for _, o := range s.Objectives {
			r := o.Eval(&t)
			p.SLO = append(p.SLO, r)
			p.Pass = p.Pass && r.Pass
		}
		p.Pass = p.Pass && !p.Cut
		// A pass stands even when the generator was late: latency is timed
		// from the intended send, so its lateness only made the point look
		// worse. A failure may be the generator's when it fell behind and
		// the objectives hold once its own delays are taken out of the
		// latency: not judged. One that fails all the same (errors, or a
		// latency far beyond the generator's delays) is the server's (or
		// the machine's both share), and is judged.
		p.GeneratorLimited = t.GeneratorLimited && !p.Pass && !probe && s.meetsWithout(t, time.Duration(t.GeneratorDelayP99NS))
		if probe {
			p.Pass = false // never judged: too short for its p99
		}
		c.Points = append(c.Points, p)
		return p, nil
	}

	// lo passed, hi failed (0: not found yet); what they establish is the
	// answer, whichever way the search ends.
	var lo, hi float64
	done := func(err error) (Capacity, error) {
		c.RPS, c.Failing = lo, hi
		c.Converged = err == nil && lo > 0 && hi > 0 && hi/lo <= 1+s.Tolerance
		return c, err
	}

	probe, err := run(s.ProbeRate, s.ProbeHold, true)
	if err != nil {
		return done(err)
	}
	rate := clamp(s.StartFactor*probe.Achieved, s.MinRate, s.MaxRate)

	// Bracketing.
	full := 0
	for lo == 0 || hi == 0 {
		if full >= s.MaxPoints {
			c.AtMax = lo > 0 // the points ran out while every rate passed
			break
		}
		p, err := run(rate, s.Hold(rate), false)
		if err != nil {
			return done(err)
		}
		full++
		switch {
		case p.GeneratorLimited && lo > 0:
			// the generator cannot send more: at least lo
			c.AtMax, c.GeneratorLimited = true, true
			return done(nil)
		case !p.Pass: // a failure, or a generator-limited point with nothing passed yet
			if !p.GeneratorLimited {
				hi = rate
				if lo != 0 {
					continue // bracketed
				}
			}
			if rate <= s.MinRate {
				c.BelowMin = !p.GeneratorLimited
				c.GeneratorLimited = p.GeneratorLimited
				return done(nil)
			}
			rate = max(rate/s.Growth, s.MinRate)
		default:
			lo = rate
			if hi != 0 {
				continue // bracketed
			}
			if rate >= s.MaxRate {
				c.AtMax = true
				return done(nil)
			}
			rate = min(rate*s.Growth, s.MaxRate)
		}
	}

	// Bisection at the geometric midpoint: rates are ratios apart.
	for lo > 0 && hi > 0 && hi/lo > 1+s.Tolerance && full < s.MaxPoints {
		mid := math.Sqrt(lo * hi)
		p, err := run(mid, s.Hold(mid), false)
		if err != nil {
			return done(err)
		}
		full++
		switch {
		case p.GeneratorLimited:
			c.GeneratorLimited = true // the bracket stands, unconverged
			return done(nil)
		case p.Pass:
			lo = mid
		default:
			hi = mid
		}
	}
	return done(nil)
}

// meetsWithout reports whether t meets every objective once d, the
// generator's own delay at its 99th percentile, is taken out of each
// latency figure: whether the generator alone could have failed it.
func (s *CapacitySearch) meetsWithout(t results.Trial, d time.Duration) bool {
	less := func(v int64) int64 { return max(0, v-int64(d)) }
	l := &t.Latency
	l.P50, l.P90, l.P99, l.P999, l.Max = less(l.P50), less(l.P90), less(l.P99), less(l.P999), less(l.Max)
	l.Mean = max(0, l.Mean-float64(d))
	for _, o := range s.Objectives {
		if !o.Eval(&t).Pass {
			return false
		}
	}
	return true
}

// cutAfter × hold is when OpenRunner stops sending.
const cutAfter = 2

func clamp(v, lo, hi float64) float64 {
	if math.IsNaN(v) || v < lo {
		return lo
	}
	return min(v, hi)
}

// OpenRunner makes a RunFunc from cfg: each call is one open-loop Attack of
// cfg (its Addr, Clients, Batch, KeepAlive, Timeout...) at the given rate
// and duration, recorded as a results.Trial. Each call gets its own client
// prefix (cfg.ClientPrefix + "c<n>-") so that the per-client rate-limit
// window of one point does not carry into the next.
//
// A run stops sending at 2 × hold (the requests in flight then still get
// their answer or their timeout): far beyond capacity, the schedule's
// backlog would otherwise keep a 1 s point running for as long as the
// target takes to work through it. The search fails such a point (Cut).
func OpenRunner(cfg Config) RunFunc { return OpenRunnerTee(cfg, nil) }

// OpenRunnerTee is OpenRunner whose every result also goes to also (when
// not nil): the harness counts the metrics the server acknowledged, for
// its integrity check.
func OpenRunnerTee(cfg Config, also Recorder) RunFunc {
	n := 0
	prefix := cfg.ClientPrefix
	if prefix == "" {
		prefix = "capacity-"
	}
	return func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) {
		c := cfg
		c.Model, c.Rate, c.Duration = Open, rate, hold
		c.ClientPrefix = fmt.Sprintf("%sc%d-", prefix, n)
		n++
		m := NewMetrics()
		var rec Recorder = m
		if also != nil {
			rec = Tee(m, also)
		}
		start := time.Now()
		cut, cancel := context.WithTimeout(ctx, cutAfter*hold)
		d, err := Attack(cut, c, rec)
		cancel()
		if err != nil && (ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded)) {
			return results.Trial{}, err // a bad config or the caller's cancellation, not the cut
		}
		return NewTrial(c, start, m.Summary(d))
	}
}

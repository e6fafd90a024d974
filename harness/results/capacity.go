package results

// CapacityStats is what a capacity search found in one trial (scenario
// kind "capacity", and the overload kind's search for its C): the capacity
// at SLO and every point the search tried, so the report can draw achieved
// against offered with the knee marked. The trial's own load fields
// (latency, counts, throughput, offered rate) are those of the knee point,
// the highest passing one (or, when none passed, of the last point).
type CapacityStats struct {
	RPS       float64         `json:"capacity_rps"`          // highest offered rate that met every SLO (0: none)
	Failing   float64         `json:"failing_rps,omitempty"` // lowest failing rate above it (0: none)
	Converged bool            `json:"converged"`             // failing/RPS within the search's tolerance
	AtMax     bool            `json:"at_max,omitempty"`      // the SLO held up to the search's ceiling: RPS is a lower bound
	BelowMin  bool            `json:"below_min,omitempty"`   // no rate down to the search's floor passed
	Objective []string        `json:"objective"`             // the SLO expressions every point was held to
	Points    []CapacityPoint `json:"points"`                // in the order they ran, the probe first
	// GeneratorLimited: the search stopped at a point the generator could
	// not send on schedule: with AtMax the capacity is at least RPS (AtMax
	// also ends a search whose points ran out while every rate passed),
	// else the bracket stands unconverged.
	GeneratorLimited bool `json:"generator_limited,omitempty"`
}

// Censoring says how a search's result must be read.
type Censoring string

const (
	// Exact: the search converged; RPS is a point estimate.
	Exact Censoring = ""
	// Below: no rate passed; the capacity is below the lowest rate tried
	// (Bound).
	Below Censoring = "below"
	// AtLeast: the SLO held up to the search's ceiling; the capacity is at
	// least Bound.
	AtLeast Censoring = "at-least"
	// Bracket: the search stopped before converging; the capacity lies in
	// [RPS, Failing].
	Bracket Censoring = "bracket"
)

// Censored says whether the search's result is a number or only a bound,
// and the bound: the lowest rate tried (Below), the ceiling reached
// (AtLeast), or RPS with Failing as the other end (Bracket). Only an
// Exact result may enter a median, an interval or a test.
func (c *CapacityStats) Censored() (Censoring, float64) {
	switch {
	case c == nil:
		return Exact, 0
	case c.BelowMin || c.RPS <= 0:
		lo := 0.0
		for _, p := range c.Points {
			if !p.Probe && !p.GeneratorLimited && p.Offered > 0 && (lo == 0 || p.Offered < lo) { // a point the generator could not send was not tried
				lo = p.Offered
			}
		}
		return Below, lo
	case c.AtMax:
		return AtLeast, c.RPS
	case !c.Converged:
		return Bracket, c.RPS
	}
	return Exact, c.RPS
}

// CapacityPoint is one load a capacity search ran.
type CapacityPoint struct {
	Offered  float64 `json:"offered_rps"`
	Achieved float64 `json:"achieved_rps"` // 2xx answers per second
	P99      int64   `json:"p99_ns"`       // from the intended send time
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"` // not 2xx
	Late     int64   `json:"late"`
	HoldNS   int64   `json:"hold_ns"`
	Probe    bool    `json:"probe,omitempty"` // the short probe, never judged
	Cut      bool    `json:"cut,omitempty"`   // stopped before its schedule was done
	Pass     bool    `json:"pass"`
	// Sent is the requests sent in the hold per second of hold (below
	// Offered when the generator fell behind); GeneratorLimited says it
	// fell behind beyond its tolerance: the point was not judged.
	Sent             float64 `json:"sent_rps,omitempty"`
	GeneratorLimited bool    `json:"generator_limited,omitempty"`
}

// capacityRPS is the capacity-req/s unit: the capacity at SLO a search
// found (capacity trials), or the capacity the overload kind's search
// found before it offered 5× that. Censored (SearchOf) unless the search
// ended on a point estimate.
var capacityRPS = KindUnit{Unit{"capacity-req/s", "capacity at SLO", "higher"},
	func(t *Trial) float64 {
		switch {
		case t.Capacity != nil:
			return t.Capacity.RPS
		case t.Fault != nil:
			return t.Fault.CapacityRPS
		}
		return 0
	}}

// SearchOf is how the capacity search of t ended: Trial.Capacity's
// censoring when the trial stored its search; for an overload trial that
// stored only Fault.CapacityRPS (runs older than the field), a capacity of
// 0 is Below (the lowest rate tried is then unknown: bound 0) and any
// other value Exact. A trial without a search is Exact with bound 0.
func SearchOf(t *Trial) (Censoring, float64) {
	switch {
	case t.Capacity != nil:
		return t.Capacity.Censored()
	case t.Fault != nil && t.Kind == "overload":
		if t.Fault.CapacityRPS <= 0 {
			return Below, 0
		}
		return Exact, t.Fault.CapacityRPS
	}
	return Exact, 0
}

func searchCensored(t *Trial) bool {
	c, _ := SearchOf(t)
	return c != Exact
}

func init() {
	KindUnits["capacity"] = []KindUnit{lostMetrics, capacityRPS}
	KindUnits["overload"] = append(KindUnits["overload"], capacityRPS)
	// An overload trial's recovery is measured at half a capacity its
	// search did not pin down: no figure (and no verdict) from it.
	CensoredUnits["capacity-req/s"] = searchCensored
	CensoredUnits["recovery-ns"] = searchCensored
}

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
}

// capacityRPS is the capacity-req/s unit: the capacity at SLO a search
// found (capacity trials), or the capacity the overload kind's search
// found before it offered 5× that.
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

func init() {
	KindUnits["capacity"] = []KindUnit{lostMetrics, capacityRPS}
	KindUnits["overload"] = append(KindUnits["overload"], capacityRPS)
}

package peers

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Results is what a peers run stores (results/peers/<date>.json) and what
// Analyze reads: everything needed to recompute every figure.
type Results struct {
	Meta Meta  `json:"meta"`
	Runs []Run `json:"runs"`
}

// Meta describes the run and its machine.
type Meta struct {
	Date      time.Time `json:"date"`
	GoVersion string    `json:"go_version"`
	CPU       string    `json:"cpu"`
	NumCPU    int       `json:"num_cpu"`
	Kernel    string    `json:"kernel"`
	Commit    string    `json:"commit"`
	Wrk       string    `json:"wrk"`
	Pinning   string    `json:"pinning"`
	Conns     int       `json:"conns"`
	Clients   int       `json:"clients"`
	Quota     int       `json:"quota"`
	SecsPer   float64   `json:"secs_per_run"`
	Rounds    int       `json:"rounds"`
	// Order is "random": each round runs its arms in a fresh permutation
	// drawn from OrderSeed (math/rand/v2 PCG seeded with (OrderSeed,
	// round)); Run.Position records each run's place.
	Order     string `json:"order"`
	OrderSeed uint64 `json:"order_seed"`
	LoadStart string `json:"load_average_start"`
	LoadEnd   string `json:"load_average_end,omitempty"`
}

// Cell is one arm's runs summarised: medians over the runs that passed.
type Cell struct {
	Arm
	Runs, Passed int
	ReqPerS      float64 // median
	P99NS        float64
	CPUPerReq    float64 // server CPU per request, ns
	ToolCPU      float64 // load tool CPU per request, ns
	Busy         float64 // server's share of one core
	FileWrites   float64 // data file writes per request (lab server)
	MaxDropped   int64
	Excluded     []string // the reasons of the runs that did not pass
}

// NamedRatio is a ratio with what it compares.
type NamedRatio struct {
	Name, Mode string
	Unit       string  // "req/s" or "CPU" (the inverse ratio of CPU per request)
	Target     float64 // the target it is held to (0: none)
	Ratio
}

// Met says whether the ratio meets its target with the interval's lower
// end included ("met"), might but the interval does not show it (the
// estimate at or above the target, the lower end below: "not shown"), or
// misses it (the estimate below: "MISSED", by how much); "" when it has no
// target.
func (n NamedRatio) Met() string {
	switch {
	case n.Target == 0:
		return ""
	case n.AtLeast(n.Target):
		return fmt.Sprintf("target ≥ %.2f: met", n.Target)
	case !n.HasInterval():
		return fmt.Sprintf("target ≥ %.2f: not shown (no interval)", n.Target)
	case n.Est >= n.Target:
		return fmt.Sprintf("target ≥ %.2f: not shown, lower end %.2f", n.Target, n.Lo)
	}
	return fmt.Sprintf("target ≥ %.2f: MISSED, estimate %.1f%% short, lower end %.2f", n.Target, 100*(n.Target-n.Est)/n.Target, n.Lo)
}

// Ceiling is the cost model's ceiling for one mode: fasthttp's do-nothing
// CPU per request under the same wrk load plus the CPU of each stage of
// work optimized adds, as one core's req/s, and optimized against it.
type Ceiling struct {
	Mode       string
	Stages     []StageCost // medians over rounds
	FastCPU    float64     // fasthttp-noop's CPU per request (median)
	OptCPU     float64     // optimized's (median)
	CPU        float64     // FastCPU + Σ Stages: the ceiling's CPU per request
	OneCore    float64     // 1e9 / CPU: the ceiling in req/s for one core
	WritesPer  float64     // optimized's data file writes per request (median), the write stage's G = 1/WritesPer
	VsCeiling  []NamedRatio
	VsFastHTTP []NamedRatio
	// Gap is OptCPU − FastCPU split into the stages and the rest (what
	// optimized spends beyond fasthttp and the stages: its HTTP framing,
	// connection handling, scheduling).
	Gap    []StageCost
	GapNS  float64
	Why    string // no ceiling: why
	Rounds int    // rounds with fasthttp, optimized and the benchmark all passing
}

// Analysis is every figure `lab peers` prints.
type Analysis struct {
	Cells     []*Cell
	Ceilings  []Ceiling
	Ratios    []NamedRatio // optimized against the other targets, by req/s and by CPU
	Generator []NamedRatio // loadtest / wrk on both do-nothing targets, both modes
}

// Targets of the issue this driver measures.
const (
	CeilingTarget   = 0.95 // optimized / ceiling (keep-alive) and optimized / fasthttp-noop (connection per request)
	GeneratorTarget = 0.90 // loadtest / wrk
)

// Analyze computes the medians, the ceilings and the paired ratios.
func Analyze(res *Results) *Analysis {
	a := &Analysis{}
	for _, arm := range Arms() {
		if arm.Tool == Bench {
			continue
		}
		a.Cells = append(a.Cells, cell(res.Runs, arm))
	}
	for _, m := range Modes {
		a.Ceilings = append(a.Ceilings, ceiling(res.Runs, m))
	}
	for _, m := range Modes {
		opt := Arm{Optimized, Wrk, m}
		for _, peer := range []string{NetHTTPNoop, Reference, OptimizedSync} {
			b := Arm{peer, Wrk, m}
			a.Ratios = append(a.Ratios,
				NamedRatio{Name: "optimized / " + peer, Mode: m, Unit: "req/s", Ratio: paired(res.Runs, opt, b, rps)},
				NamedRatio{Name: "optimized / " + peer, Mode: m, Unit: "CPU", Ratio: paired(res.Runs, b, opt, cpuPerReq)})
		}
	}
	for _, m := range Modes {
		for _, t := range []string{NetHTTPNoop, FastHTTPNoop} {
			g, w := Arm{t, Loadtest, m}, Arm{t, Wrk, m}
			a.Generator = append(a.Generator,
				NamedRatio{Name: "generator / wrk, " + t, Mode: m, Unit: "req/s", Target: GeneratorTarget, Ratio: paired(res.Runs, g, w, rps)},
				NamedRatio{Name: "generator / wrk, " + t, Mode: m, Unit: "CPU", Target: GeneratorTarget, Ratio: paired(res.Runs, w, g, toolCPUPerReq)})
		}
	}
	return a
}

func rps(r *Run) float64           { return r.ReqPerS }
func cpuPerReq(r *Run) float64     { return r.ServerCPUPerReq() }
func toolCPUPerReq(r *Run) float64 { return r.ToolCPUPerReq() }

// find returns arm's run in round, or nil.
func find(runs []Run, arm Arm, round int) *Run {
	for i := range runs {
		if runs[i].Arm == arm && runs[i].Round == round {
			return &runs[i]
		}
	}
	return nil
}

func rounds(runs []Run) []int {
	var rs []int
	for _, r := range runs {
		if !slices.Contains(rs, r.Round) {
			rs = append(rs, r.Round)
		}
	}
	slices.Sort(rs)
	return rs
}

// paired is the ratio fa(A)/fb(B) over the rounds where A and B both
// passed and both figures are positive.
func paired(runs []Run, a, b Arm, f func(*Run) float64) Ratio {
	var rs []float64
	why := ""
	for _, round := range rounds(runs) {
		ra, rb := find(runs, a, round), find(runs, b, round)
		switch {
		case ra == nil || rb == nil:
			continue
		case !ra.Passed():
			why = a.String() + " excluded: " + ra.Excluded
			continue
		case !rb.Passed():
			why = b.String() + " excluded: " + rb.Excluded
			continue
		}
		x, y := f(ra), f(rb)
		if !(x > 0) || !(y > 0) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			why = "a figure was zero or missing"
			continue
		}
		rs = append(rs, x/y)
	}
	r := NewRatio(rs)
	if r.N == 0 && why != "" {
		r.Why = why
	}
	return r
}

func cell(runs []Run, arm Arm) *Cell {
	c := &Cell{Arm: arm}
	var rate, p99, cpu, tool, busy, fw []float64
	for i := range runs {
		r := &runs[i]
		if r.Arm != arm {
			continue
		}
		c.Runs++
		c.MaxDropped = max(c.MaxDropped, r.Dropped)
		if !r.Passed() {
			c.Excluded = append(c.Excluded, fmt.Sprintf("round %d: %s", r.Round, r.Excluded))
			continue
		}
		c.Passed++
		rate = append(rate, r.ReqPerS)
		p99 = append(p99, float64(r.P99NS))
		cpu = append(cpu, r.ServerCPUPerReq())
		tool = append(tool, r.ToolCPUPerReq())
		busy = append(busy, r.ServerBusy())
		fw = append(fw, r.FileWritesPerReq())
	}
	c.ReqPerS, c.P99NS, c.CPUPerReq = median(rate), median(p99), median(cpu)
	c.ToolCPU, c.Busy, c.FileWrites = median(tool), median(busy), median(fw)
	return c
}

// ceiling builds mode's cost model from the rounds where the fasthttp
// do-nothing run, optimized's run and the cost benchmark all passed; each
// round's ceiling uses that round's figures (the write stage at that
// round's data file writes per request of optimized), so the ratios pair
// within rounds like the others.
func ceiling(runs []Run, mode string) Ceiling {
	c := Ceiling{Mode: mode}
	fast, opt, bench := Arm{FastHTTPNoop, Wrk, mode}, Arm{Optimized, Wrk, mode}, Arm{Tool: Bench}
	var vsCeilRPS, vsCeilCPU, vsFastRPS, vsFastCPU []float64
	var fastCPU, optCPU, writes []float64
	byStage := map[string][]float64{}
	for _, round := range rounds(runs) {
		f, o, b := find(runs, fast, round), find(runs, opt, round), find(runs, bench, round)
		if f == nil || o == nil || b == nil {
			continue
		}
		if !f.Passed() || !o.Passed() || !b.Passed() {
			c.Why = fmt.Sprintf("round %d: %s", round, firstExcluded(f, o, b))
			continue
		}
		cf, co := f.ServerCPUPerReq(), o.ServerCPUPerReq()
		if !(cf > 0) || !(co > 0) || !(f.ReqPerS > 0) || !(o.ReqPerS > 0) {
			c.Why = fmt.Sprintf("round %d: no CPU or rate figure", round)
			continue
		}
		st, err := ModelStages(b.Stages, o.FileWritesPerReq())
		if err != nil {
			c.Why = err.Error()
			continue
		}
		w := Total(st)
		for _, s := range st {
			byStage[s.Name] = append(byStage[s.Name], s.NS)
		}
		fastCPU, optCPU = append(fastCPU, cf), append(optCPU, co)
		writes = append(writes, o.FileWritesPerReq())
		ceilRPS := f.ReqPerS * cf / (cf + w) // fasthttp's rate in this round, had it done the work too
		vsCeilRPS = append(vsCeilRPS, o.ReqPerS/ceilRPS)
		vsCeilCPU = append(vsCeilCPU, (cf+w)/co)
		vsFastRPS = append(vsFastRPS, o.ReqPerS/f.ReqPerS)
		vsFastCPU = append(vsFastCPU, cf/co)
	}
	c.Rounds = len(fastCPU)
	if c.Rounds == 0 {
		if c.Why == "" {
			c.Why = "no round measured fasthttp-noop, optimized and the cost benchmark"
		}
		return c
	}
	c.Why = ""
	for _, name := range StageNames {
		c.Stages = append(c.Stages, StageCost{name, median(byStage[name])})
	}
	c.FastCPU, c.OptCPU, c.WritesPer = median(fastCPU), median(optCPU), median(writes)
	c.CPU = c.FastCPU + Total(c.Stages)
	c.OneCore = 1e9 / c.CPU
	ceilTarget, fastTarget := 0.0, 0.0
	if mode == KeepAlive {
		ceilTarget = CeilingTarget
	} else {
		fastTarget = CeilingTarget
	}
	c.VsCeiling = []NamedRatio{
		{Name: "optimized / ceiling", Mode: mode, Unit: "req/s", Target: ceilTarget, Ratio: NewRatio(vsCeilRPS)},
		{Name: "optimized / ceiling", Mode: mode, Unit: "CPU", Target: ceilTarget, Ratio: NewRatio(vsCeilCPU)},
	}
	c.VsFastHTTP = []NamedRatio{
		{Name: "optimized / fasthttp-noop", Mode: mode, Unit: "req/s", Target: fastTarget, Ratio: NewRatio(vsFastRPS)},
		{Name: "optimized / fasthttp-noop", Mode: mode, Unit: "CPU", Target: fastTarget, Ratio: NewRatio(vsFastCPU)},
	}
	c.GapNS = c.OptCPU - c.FastCPU
	rest := c.GapNS
	for _, s := range c.Stages {
		c.Gap = append(c.Gap, s)
		rest -= s.NS
	}
	c.Gap = append(c.Gap, StageCost{"rest", rest})
	return c
}

func firstExcluded(rs ...*Run) string {
	for _, r := range rs {
		if !r.Passed() {
			return r.Arm.String() + " excluded: " + r.Excluded
		}
	}
	return ""
}

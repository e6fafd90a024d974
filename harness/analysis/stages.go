package analysis

import (
	"math"

	"metricstream/harness/results"
	"metricstream/internal/stages"
)

// StageCost is where one variant's request time went in one scenario: the
// stage counters of every trial of the scenario (all its steps) summed,
// and each dimension's Amdahl share from them.
type StageCost struct {
	Scenario, Variant string
	Trials            int // trials that carried stage counters
	Snapshot          stages.Snapshot
	Bounds            []stages.Bound // in stages.Dimensions order
	// CPU is what the server and the load generator burned in those
	// trials; nil when the trials did not measure it.
	CPU *CPUUse
}

// CPUUse is the CPU one variant's trials of one scenario used: medians over
// the trials of the cores the server (its fleet) and the load generator
// kept busy (CPU time per second of trial) and of their CPU time per
// request answered. On a machine whose cores are all busy, throughput is
// cores / (CPU per request): a variant raises it only by needing less CPU,
// not by waiting less, which is what wall-time stage shares cannot say.
type CPUUse struct {
	Trials                      int
	ServerCores, GenCores       float64 // cores busy, medians
	ServerNSPerReq, GenNSPerReq float64 // CPU ns per request answered, medians
	// MachineBusy is the median share of the whole machine's CPU time
	// that was busy (every process, the kernel, interrupts); NaN when
	// the trials did not measure it (a remote server).
	MachineBusy float64
}

// Busy is the share of the machine's cpus that was busy: MachineBusy when
// measured, else the server's and the generator's cores over cpus (which
// leaves out the kernel's own threads and everything else).
func (c *CPUUse) Busy(cpus int) float64 {
	if !math.IsNaN(c.MachineBusy) {
		return c.MachineBusy
	}
	return (c.ServerCores + c.GenCores) / float64(max(cpus, 1))
}

// NSPerReq is server and generator CPU per request together.
func (c *CPUUse) NSPerReq() float64 { return c.ServerNSPerReq + c.GenNSPerReq }

// cpuUse is the CPU figures of ts, nil when none measured them.
func cpuUse(ts []*results.Trial) *CPUUse {
	var sc, gc, sr, gr, mb []float64
	for _, t := range ts {
		// per answered request: a request that timed out or was refused
		// bought nothing, and dividing by attempts would credit a variant
		// that fails cheaply
		n := t.Counts.Status2xx
		if t.Stages == nil || t.Stages.CPUNS <= 0 || t.GeneratorCPUNS <= 0 || t.DurationNS <= 0 || n <= 0 {
			continue
		}
		d := float64(t.DurationNS)
		sc, gc = append(sc, float64(t.Stages.CPUNS)/d), append(gc, float64(t.GeneratorCPUNS)/d)
		sr, gr = append(sr, float64(t.Stages.CPUNS)/float64(n)), append(gr, float64(t.GeneratorCPUNS)/float64(n))
		if t.MachineBusy > 0 {
			mb = append(mb, t.MachineBusy)
		}
	}
	if len(sc) == 0 {
		return nil
	}
	u := &CPUUse{Trials: len(sc), ServerCores: Median(sc), GenCores: Median(gc), ServerNSPerReq: Median(sr), GenNSPerReq: Median(gr), MachineBusy: math.NaN()}
	if len(mb) > 0 {
		u.MachineBusy = Median(mb)
	}
	return u
}

// cpu is s's CPU figures, nil when s is nil or has none.
func (s *StageCost) cpu() *CPUUse {
	if s == nil {
		return nil
	}
	return s.CPU
}

// Bound is dim's bound, or nil.
func (s *StageCost) Bound(dim string) *stages.Bound {
	if s == nil {
		return nil
	}
	for i := range s.Bounds {
		if s.Bounds[i].Dimension == dim {
			return &s.Bounds[i]
		}
	}
	return nil
}

// stageCosts fills a.Stages from the trials' stage counters.
func (a *Analysis) stageCosts() {
	for _, sc := range scenariosOf(a.ix.cells) {
		for _, v := range a.ix.variants {
			var snaps []*stages.Snapshot
			var timed []*results.Trial
			for _, c := range a.ix.cells {
				if c.Scenario != sc {
					continue
				}
				for _, t := range a.ix.byCell[c][v] {
					if t.Stages != nil && t.Stages.Sampled > 0 {
						snaps, timed = append(snaps, t.Stages), append(timed, t)
					}
				}
			}
			if len(snaps) == 0 {
				continue
			}
			sum := results.AddStages(snaps...)
			b, err := stages.Bounds(sum)
			if err != nil {
				continue // nothing timed: no costs to state
			}
			a.Stages = append(a.Stages, StageCost{Scenario: sc, Variant: v, Trials: len(snaps), Snapshot: sum, Bounds: b, CPU: cpuUse(timed)})
		}
	}
}

// StageCostOf is variant's stage costs in scenario, or nil.
func (a *Analysis) StageCostOf(scenario, variant string) *StageCost {
	for i := range a.Stages {
		if a.Stages[i].Scenario == scenario && a.Stages[i].Variant == variant {
			return &a.Stages[i]
		}
	}
	return nil
}

// StageScenarios are the scenarios with stage costs, in report order.
func (a *Analysis) StageScenarios() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range a.Stages {
		if !seen[s.Scenario] {
			seen[s.Scenario] = true
			out = append(out, s.Scenario)
		}
	}
	return out
}

// Utilisation is X · S: the measured throughput times the stage's mean
// time per request. By Little's law it is the mean number of requests in
// the stage; for a section one request holds at a time (a global lock)
// and below 1, it bounds that section's utilisation from above (the stage
// includes its own wait); at 1 or more the section is saturated.
func Utilisation(b stages.Bound, throughput float64) float64 {
	return throughput * b.PerRequestNS * 1e-9
}

// scenariosOf lists the scenarios of cells, in cell order.
func scenariosOf(cells []Cell) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cells {
		if !seen[c.Scenario] {
			seen[c.Scenario] = true
			out = append(out, c.Scenario)
		}
	}
	return out
}

type stageList []stages.Stage

func (l stageList) names() []string {
	var out []string
	for _, s := range l {
		out = append(out, s.String())
	}
	return out
}

package experiment

import (
	"context"
	"fmt"
	"sync"
	"time"

	"metricstream/harness/load"
	"metricstream/harness/scenario"
)

// Duet mode (Config.Duet; Bulej et al., "Duet Benchmarking: Improving
// Measurement Accuracy in the Cloud", 2020): the two arms of a load
// scenario's round run at the same time on the same machine, each with
// its own servers and its own share of the generator (the scenario's
// clients, rate and duration each, started together), and each trial
// counts its requests per short window from one common start
// (Trial.Windows): what disturbs the machine in one window disturbs both
// arms, so the ratio of the two arms window by window cancels it, where
// sequential rounds compare moments apart. The price: each arm gets about
// half the machine (two servers and two loads share the cores), so a
// duet's absolute figures are not a sequential run's; its ratios are what
// it is for. Per-trial kinds (capacity searches, faults, durability) adapt
// their load to the arm or stop their server mid-trial: they run in
// sequential rounds in a duet run too.

// DefaultWindow is the width of a duet trial's windows.
const DefaultWindow = 50 * time.Millisecond

// duetNote says what a duet run measured, for Meta.Notes and the output.
func duetNote(a, b string, w time.Duration) string {
	return fmt.Sprintf("duet: in every round of a load scenario %s and %s ran at the same time, each with its own servers and the scenario's whole load, started together and counted in %v windows from one start (Trial.Windows); each got about half the machine, so absolute figures are not a sequential run's, the window-by-window ratio is the comparison; generator CPU and machine busy share of a duet trial are of both arms together. Capacity, fault and durability scenarios ran in sequential rounds", a, b, w)
}

// duetRound runs round k of step st (the scenario's si-th) of load
// scenario sc with both arms at once. With one arm failed or gone it is a
// sequential round of the other.
func (r *runner) duetRound(ctx context.Context, sc *scenario.Scenario, si int, st scenario.Step, k int, fleets map[*armState]*fleet) {
	a, b := r.arms[0], r.arms[1]
	live := func(x *armState) bool { return fleets[x] != nil && !x.failed }
	if ctx.Err() != nil || !live(a) || !live(b) {
		r.loadRound(ctx, sc, si, st, k, fleets)
		return
	}
	width := r.cfg.Window
	if width <= 0 {
		width = DefaultWindow
	}
	// Which arm's load is launched first is the round's order (r.order),
	// recorded as Position, so the analysis's order check sees it: with
	// the first arm always launched first, five A/A duets of phase6 had
	// the second arm's throughput lower in all five.
	ord := r.order.order(r.cell(sc, st), k, 2)
	pos := [2]int{}
	for p, i := range ord {
		pos[i] = p
	}
	start := time.Now()
	trs := []*trial{
		r.newTrial(ctx, a, sc, st, k, pos[0], fmt.Sprintf("t%d-%d-%d-%s", si, k, len(r.run.Trials), safe(a))),
		r.newTrial(ctx, b, sc, st, k, pos[1], fmt.Sprintf("t%d-%d-%d-%s", si, k, len(r.run.Trials)+1, safe(b))),
	}
	var wg sync.WaitGroup
	for _, i := range ord {
		tr := trs[i]
		tr.windows = load.NewWindows(start, width)
		wg.Go(func() { r.loadTrial(tr, fleets[tr.arm]) })
	}
	wg.Wait()
	n := max(trs[0].windows.Len(), trs[1].windows.Len())
	for i, tr := range trs {
		tr.rec.Windows = tr.windows.Windows(n) // the same windows for both
		tr.rec.Start = start
		tr.rec.DuetWith = trs[1-i].arm.Label
		r.record(tr)
	}
}

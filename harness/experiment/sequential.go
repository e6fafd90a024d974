package experiment

import (
	"context"
	"math"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// A sequential run (lab compare -precision) does not fix its number of
// rounds: it runs one round at a time, a round being every cell (each load
// scenario's steps, then each per-trial scenario's) with every arm once in
// the round's order, and after each asks its stop rule whether the run
// now knows what it was asked. It stops when the rule says so, when one
// more round (as long as the longest so far) would overrun the budget, at the most
// rounds allowed, or when interrupted; Meta.Stop says which, after how
// many rounds, and the rule's last report. Looking after every round is
// only sound with a rule whose intervals hold at every look (an anytime-
// valid confidence sequence, or a plan that spends its error over the
// looks); the rule is the caller's.

// StopRule looks at the run so far (its complete rounds; failed arms'
// trials left out) and says whether it may stop, and a one-line report of
// where it stands (e.g. each chosen unit's interval against the precision
// asked).
type StopRule func(run *results.Run) (done bool, report string)

// DefaultMaxRounds bounds a sequential run without a budget; with one,
// the budget alone bounds it (unless Config.MaxRounds is set).
const DefaultMaxRounds = 200

// Why a sequential run stopped (results.StopInfo.Reason).
const (
	StoppedByRule   = "rule"
	StoppedByBudget = "budget"
	StoppedAtMax    = "max-rounds"
	StoppedByCancel = "interrupted"
)

// sequential runs rounds until the stop rule, the budget or the round
// limit ends the run. Every load group's servers run for the whole run
// (a round visits every group), warmed up before their first round.
func (r *runner) sequential(ctx context.Context) {
	type group struct {
		scs    []*scenario.Scenario
		fleets map[*armState]*fleet
	}
	var groups []group
	for _, scs := range groupByServer(loadScenarios(r.cfg.Scenarios)) {
		if f, ok := r.startGroup(ctx, scs); ok {
			groups = append(groups, group{scs, f})
		}
	}
	defer func() {
		for _, g := range groups {
			r.stopGroup(ctx, g.scs, g.fleets)
		}
	}()
	maxRounds := r.cfg.MaxRounds
	switch {
	case maxRounds > 0:
	case r.cfg.Budget > 0:
		maxRounds = math.MaxInt
	default:
		maxRounds = DefaultMaxRounds
	}
	info := r.run.Meta.Stop // the caller's may say what the rule asks
	if info == nil {
		info = &results.StopInfo{}
	}
	info.BudgetNS = int64(r.cfg.Budget)
	r.run.Meta.Stop = info
	var longest time.Duration // the longest round so far: what the next may take
	for k := 0; ; k++ {
		began := time.Now()
		for _, g := range groups {
			for _, sc := range g.scs {
				if k == 0 {
					r.warmup(ctx, sc, g.fleets)
				}
				for si, st := range sc.LoadSteps() {
					r.measureRound(ctx, sc, si, st, k, g.fleets)
				}
			}
		}
		for _, sc := range r.cfg.Scenarios {
			if sc.PerTrial() && !r.cfg.Remote {
				for _, st := range sc.LoadSteps() {
					r.perTrialRound(ctx, sc, st, k)
				}
			}
		}
		if ctx.Err() != nil { // the round may be incomplete: not counted, not judged
			info.Reason = StoppedByCancel
			break
		}
		info.Rounds, r.run.Meta.Count = k+1, k+1
		done, report := r.cfg.Stop(r.measuredRun())
		info.Report = report
		r.logf("round %d: %s", k+1, report)
		if r.cfg.OnRound != nil {
			r.cfg.OnRound(k+1, report)
		}
		elapsed := time.Since(r.began)
		longest = max(longest, time.Since(began))
		switch {
		case done:
			info.Reason = StoppedByRule
		case r.cfg.Budget > 0 && elapsed+longest > r.cfg.Budget:
			info.Reason = StoppedByBudget
		case k+1 >= maxRounds:
			info.Reason = StoppedAtMax
		default:
			continue
		}
		break
	}
	info.ElapsedNS = int64(time.Since(r.began))
}

// measuredRun is the run so far as its results will read: its meta, and
// the trials of the arms that have not failed.
func (r *runner) measuredRun() *results.Run {
	run := *r.run
	run.Trials = r.measured()
	return &run
}

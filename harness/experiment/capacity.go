package experiment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The capacity kind's runner: one trial is one capacity search
// (load.CapacitySearch) against a server of its own, started with the
// scenario's flags, then SIGTERM and the integrity check of every metric
// acknowledged over all the search's points. The trial records the knee
// point's load (the highest offered rate that met every SLO; the last
// point when none did) and, in Trial.Capacity, the capacity and every
// point tried.
func init() { registerRunner(scenario.KindCapacity, capacityTrial) }

func capacityTrial(tr *trial) error {
	st := tr.step
	tr.rec = results.Trial{Model: "open", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: st.Config.KeepAlive}
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	tally := &Tally{}
	kt, stats, err := searchCapacity(tr.ctx, inst.Addr(), st.Config, tr.sc.CapacitySearch(), tr.sc.SLO, tally, "k-"+tr.id+"-")
	if err == nil {
		tr.rec = kt
	}
	// The search judged every point itself, the generator's lateness
	// included (a pass stands, a failure it may have caused is unjudged:
	// Capacity.GeneratorLimited): the knee's record is not generator-
	// limited as a load trial's would be (its GeneratorLate and
	// GeneratorDelayP99NS stay).
	tr.rec.GeneratorLimited = false
	tr.rec.Capacity = stats
	found := tr.audit(inst, tally.Acked())
	if err != nil {
		return also(tr.problem("capacity search: %v", err), found)
	}
	return found
}

// searchCapacity runs search cs (its Objectives set) against addr with the
// load of base (clients, batch, keep-alive, timeout), counting acknowledged
// metrics in tally. It returns the knee point's trial (the last point's
// when none passed, with its stage costs and CPU when the server times
// stages), the search as results.CapacityStats, and the search's error
// (the stats then hold the points so far).
func searchCapacity(ctx context.Context, addr string, base load.Config, cs load.CapacitySearch, objective []string, tally *Tally, prefix string) (results.Trial, *results.CapacityStats, error) {
	c := base
	c.Addr, c.Addrs, c.ClientPrefix = addr, nil, prefix
	run := load.OpenRunnerTee(c, tally)
	byRate := map[float64]results.Trial{}
	var last results.Trial
	cs.Run = func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) {
		// Each point's stage costs and CPU, as a load trial's: so the knee
		// point says where the time went at capacity (nil stages when the
		// server times none).
		m := startMeter(func() stageReading {
			if s, _ := launch.ReadStages(ctx, addr); s != nil {
				return stageReading{s}
			}
			return nil
		}, true)
		t, err := run(ctx, rate, hold)
		if err == nil {
			m.stop(&t)
			byRate[rate], last = t, t
		}
		return t, err
	}
	capa, err := cs.Find(ctx)
	stats := capa.Stats(objective)
	kt := last
	if k := capa.Knee(); k != nil {
		kt = byRate[k.Offered]
	}
	return kt, stats, err
}

// pointsText lists a search's points for a problem's detail:
// "1200/s→1190/s p99 3.1ms ok, ...".
func pointsText(c *results.CapacityStats) string {
	var ps []string
	for _, p := range c.Points {
		v := "fail"
		switch {
		case p.Probe:
			v = "probe"
		case p.Pass:
			v = "ok"
		}
		ps = append(ps, fmt.Sprintf("%.0f/s→%.0f/s p99 %v errors %d %s", p.Offered, p.Achieved, time.Duration(p.P99), p.Errors, v))
	}
	return strings.Join(ps, ", ")
}

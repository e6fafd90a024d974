package experiment

import (
	"context"
	"math/rand/v2"
	"time"

	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The seed-thread kind's runner: executor=thread gives every connection
// an OS thread (the seed's std::thread(...).detach()). The step's clients
// run closed-loop keep-alive for the step's duration, so all their
// connections are open at once, while /health is sampled every
// threadSample: the most OS threads (process.os_threads, from
// /proc/self/status) and RSS seen, and the thread executor's own peak of
// connections holding a thread. Latency and success are the load's.
func init() {
	registerRunner(scenario.KindSeedThread, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return threadTrial(ctx, cfg, a, sc, st, id)
	})
}

const threadSample = 100 * time.Millisecond

func threadTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	t := seedTrial(sc, st)
	problem := faultProblem(sc, st, id)
	inst, err := startTrialServer(ctx, cfg, a, sc)
	if err != nil {
		return t, problem("start: %v", err)
	}
	ss := &results.SeedStats{}
	sample := func() {
		h, err := readHealth(ctx, inst.Addr())
		if err != nil {
			return
		}
		ss.SeedDesign = h.SeedDesign
		ss.OSThreads = max(ss.OSThreads, h.Process.Threads)
		ss.RSSBytes = max(ss.RSSBytes, h.Process.RSSBytes)
		if h.Seed != nil && h.Seed.Thread != nil {
			ss.ThreadPeak = max(ss.ThreadPeak, h.Seed.Thread.Peak)
			ss.ThreadOverCap = h.Seed.Thread.OverCap
		}
	}
	stopSampling := every(threadSample, sample)
	lc := st.Config
	lc.Addr, lc.KeepAlive, lc.ClientPrefix = inst.Addr(), true, "t-"+id+"-"
	tally := &Tally{}
	m := load.NewMetrics()
	start := time.Now()
	d, _ := load.Attack(ctx, lc, load.Tee(m, tally))
	stopSampling()
	sample() // the peak the executor counted, after the load
	t, _ = load.NewTrial(lc, start, m.Summary(d))
	t.Kind, t.Seed = string(sc.Kind), ss
	return t, stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
}

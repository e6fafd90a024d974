package experiment

import (
	"context"
	"math/rand/v2"
	"time"

	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The seed-unbounded kind's runner: writer=unbounded acknowledges a batch
// when it is queued, and its queue has no bound; the seed's loop stops at
// writer_running_ = false and drops what is still queued. The scenario
// offers more than the disk takes (closed-loop keep-alive clients, large
// batches, -fsync always) for its duration while /health is sampled every
// unboundedSample (RSS, queued batches, and unbounded's queued bytes);
// SIGTERM comes the moment the load ends, and the data file is audited
// against every metric a 2xx acknowledged: Trial.Lost is what the queue
// held. The corrected writer (async) bounds its queue: it answers 503 when
// full, so it acknowledges only what it will write.
func init() {
	registerRunner(scenario.KindSeedUnbounded, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return unboundedTrial(ctx, cfg, a, sc, st, id)
	})
}

const unboundedSample = 250 * time.Millisecond

func unboundedTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	t := seedTrial(sc, st)
	problem := faultProblem(sc, st, id)
	inst, err := startTrialServer(ctx, cfg, a, sc)
	if err != nil {
		return t, problem("start: %v", err)
	}
	ss := &results.SeedStats{}
	start := time.Now()
	sample := func() {
		h, err := readHealth(ctx, inst.Addr())
		if err != nil {
			return
		}
		ss.SeedDesign = h.SeedDesign
		s := results.SeedSample{AtNS: int64(time.Since(start)), RSSBytes: h.Process.RSSBytes, QueueDepth: h.Writer.QueueDepth}
		if h.Seed != nil && h.Seed.Unbounded != nil {
			s.QueueDepth, s.QueuedBytes = h.Seed.Unbounded.QueueDepth, h.Seed.Unbounded.QueuedBytes
			ss.PeakQueueBytes = max(ss.PeakQueueBytes, h.Seed.Unbounded.PeakBytes)
		}
		ss.RSSBytes = max(ss.RSSBytes, s.RSSBytes)
		ss.Samples = append(ss.Samples, s)
	}
	stopSampling := every(unboundedSample, sample)
	lc := st.Config
	lc.Addr, lc.KeepAlive, lc.ClientPrefix = inst.Addr(), true, "u-"+id+"-"
	tally := &Tally{}
	m := load.NewMetrics()
	d, _ := load.Attack(ctx, lc, load.Tee(m, tally))
	stopSampling()
	sample() // the queue the SIGTERM finds
	t, _ = load.NewTrial(lc, start, m.Summary(d))
	t.Kind, t.Seed = string(sc.Kind), ss
	found := stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
	ss.DroppedLines = t.Lost
	return t, found
}

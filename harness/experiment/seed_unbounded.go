package experiment

import (
	"time"

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
func init() { registerRunner(scenario.KindSeedUnbounded, unboundedTrial) }

const unboundedSample = 250 * time.Millisecond

func unboundedTrial(tr *trial) error {
	ctx, st := tr.ctx, tr.step
	seedTrial(tr)
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
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
	lc.Addr, lc.KeepAlive, lc.ClientPrefix = inst.Addr(), true, "u-"+tr.id+"-"
	tally := &Tally{}
	tr.rec = tr.attack(lc, tally)
	tr.rec.Start = start
	stopSampling()
	sample() // the queue the SIGTERM finds
	tr.rec.Seed = ss
	found := tr.audit(inst, tally.Acked())
	ss.DroppedLines = tr.rec.Lost
	return found
}

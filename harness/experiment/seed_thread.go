package experiment

import (
	"time"

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
func init() { registerRunner(scenario.KindSeedThread, threadTrial) }

const threadSample = 100 * time.Millisecond

func threadTrial(tr *trial) error {
	ctx, st := tr.ctx, tr.step
	seedTrial(tr)
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
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
	lc.Addr, lc.KeepAlive, lc.ClientPrefix = inst.Addr(), true, "t-"+tr.id+"-"
	tally := &Tally{}
	tr.rec = tr.attack(lc, tally)
	stopSampling()
	sample() // the peak the executor counted, after the load
	tr.rec.Seed = ss
	return tr.audit(inst, tally.Acked())
}

package experiment

import (
	"fmt"
	"strconv"
	"time"

	"metricstream/harness/scenario"
)

// The seed-naive kind's runner: lock=naive keeps a mutex per client in an
// unguarded map, and Go aborts a process that writes a map from two
// goroutines at once ("fatal error: concurrent map writes": not a panic,
// nothing recovers it). To make concurrent inserts as likely as a client
// can: every request carries an Authorization never seen before (each
// request inserts into the limiter's per-client table, so run it with the
// limiter on and the per-address id cap lifted), from the step's clients
// on keep-alive connections of their own, closed loop. The trial records
// whether the server died, the reason its log gives, and how many requests
// it answered first: a finding, not a run failure; the next step and the
// next arm start a server of their own.
func init() { registerRunner(scenario.KindSeedNaive, naiveTrial) }

// naiveBody is one metric: the load is the inserts, not the parse.
var naiveBody = []byte(`{"metrics":[{"name":"seed_naive","value":1}]}`)

func naiveTrial(tr *trial) error {
	ctx, st, id := tr.ctx, tr.step, tr.id
	t := seedTrial(tr)
	ss := t.Seed
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	if h, err := readHealth(ctx, inst.Addr()); err == nil {
		ss.SeedDesign = h.SeedDesign
	}
	prefix := "n-" + id + "-"
	dur := st.Config.Duration
	if dur <= 0 {
		dur = time.Minute // bounded by the requests per client
	}
	t.Start = time.Now()
	ds := drive(ctx, driveOpts{
		Addr: inst.Addr(), Clients: st.Config.Clients, PerClient: st.Config.Requests, Duration: dur,
		Auth: func(c int, seq int64) string {
			return prefix + strconv.Itoa(c) + "-" + strconv.FormatInt(seq, 10)
		},
		Body: naiveBody, Timeout: st.Config.Timeout,
		Stop: func() bool { return exited(inst) },
	})
	ds.fill(t)
	ss.Requests = ds.answered.Load()
	ss.FreshIDs = t.Counts.Total() - t.Counts.ConnError
	if exited(inst) {
		// The finding: the server died under the load. Reap it; its data
		// file is not audited (what a crashed async writer had queued is
		// the crash scenario's subject, not this one's).
		code, _ := inst.Stop(ctx)
		ss.Crashed, ss.CrashReason = true, fmt.Sprintf("%s (exit status %d)", crashReason(inst), code)
		return nil
	}
	return tr.audit(inst, t.Acked)
}

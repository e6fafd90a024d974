package experiment

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The seed-spsc kind's runner: metrics=spsc is the seed's single-producer
// ring per client, and one client's requests run on many goroutines at
// once. The step's clients share SPSCClientsPerID connections per client
// id, paced in total to SPSCRatePerID requests/s per id, for the step's
// duration; then GET /metrics flushes the recorder and the trial reads
// the exact counts: spsc's /health seed.spsc (offered, flushed, lost,
// torn, overrun), any other recorder's /metrics clients (recorded,
// flushed, dropped).
//
// The pace keeps the comparison honest: metrics=lockfree's ring holds 256
// events of a client per 50 ms flush, so a client id above 5,120 events/s
// has events dropped (counted, by design: "drop, don't block"). At
// SPSCRatePerID per id lockfree's ring never fills, so its loss is exactly
// zero by the count, and what spsc loses is what its shared write index
// loses (its ring of 1,000 does not overrun at that rate either).
func init() {
	registerRunner(scenario.KindSeedSPSC, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return spscTrial(ctx, cfg, a, sc, st, id)
	})
}

// The seed-spsc load.
const (
	SPSCClientsPerID = 32   // connections sharing one client id
	SPSCRatePerID    = 4000 // requests/s per client id (lockfree's ring: 5,120/s)
)

var spscBody = []byte(`{"metrics":[{"name":"seed_spsc","value":1}]}`)

func spscTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	t := seedTrial(sc, st)
	ss := t.Seed
	problem := faultProblem(sc, st, id)
	inst, err := cfg.Launcher.Start(ctx, a.Arm, sc.Server.Flags(), filepath.Join(cfg.Dir, "servers"))
	if err != nil {
		return t, problem("start: %v", err)
	}
	clients := st.Config.Clients
	ss.IDs = (clients + SPSCClientsPerID - 1) / SPSCClientsPerID
	prefix := "s-" + id + "-"
	dur := st.Config.Duration
	if dur <= 0 {
		dur = 2 * time.Second
	}
	t.Start = time.Now()
	ds := drive(ctx, driveOpts{
		Addr: inst.Addr(), Clients: clients, PerClient: st.Config.Requests, Duration: dur,
		Rate: float64(SPSCRatePerID * ss.IDs),
		Auth: func(c int, _ int64) string { return prefix + strconv.Itoa(c/SPSCClientsPerID) },
		Body: spscBody, Timeout: st.Config.Timeout,
	})
	ds.fill(&t)
	var m struct {
		Clients struct {
			Recorded, Flushed, Dropped uint64
		} `json:"clients"`
	}
	if err := getJSON(ctx, inst.Addr(), "/metrics", &m); err != nil {
		return t, problem("GET /metrics: %v", err)
	}
	h, err := readHealth(ctx, inst.Addr())
	if err != nil {
		return t, problem("GET /health: %v", err)
	}
	ss.SeedDesign = h.SeedDesign
	if h.Seed != nil && h.Seed.SPSC != nil {
		s := h.Seed.SPSC
		ss.Offered, ss.Flushed, ss.Lost, ss.Torn, ss.Overrun = s.Offered, s.Flushed, s.Lost, s.Torn, s.Overrun
	} else {
		ss.Offered, ss.Flushed, ss.Lost = m.Clients.Recorded, m.Clients.Flushed, m.Clients.Dropped
	}
	return t, stopAndAudit(ctx, cfg, inst, t.Acked, &t, problem)
}

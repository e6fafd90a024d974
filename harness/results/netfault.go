package results

// NetFault is what a network-fault trial (toxiproxy between the server and
// Redis, or between clients and the server) measured beyond its load.
type NetFault struct {
	// redis-latency: the latency added to every Redis answer (one round
	// trip per rate-limit decision).
	RedisLatencyNS int64 `json:"redis_latency_ns,omitempty"`

	// redis-outage: Redis cut for OutageNS in the middle of the load.
	FailOpen bool  `json:"fail_open,omitempty"`
	OutageNS int64 `json:"outage_ns,omitempty"`
	// Outage counts the answers to requests sent while Redis was cut:
	// admitted (2xx) against denied (503) is the policy at work.
	Outage *Counts `json:"outage_counts,omitempty"`
	// OutageP99NS is the p99 of those answers, from each actual send.
	OutageP99NS int64 `json:"outage_p99_ns,omitempty"`
	// RecoveryNS is the time from the restore (the link listening again)
	// to the end of the last non-2xx answer to a request sent after it;
	// 0: every request sent after the restore was admitted.
	RecoveryNS int64 `json:"recovery_ns,omitempty"`
	// RecoveryFailed counts the non-2xx answers to requests sent after the
	// restore.
	RecoveryFailed int64 `json:"recovery_failed,omitempty"`
	// Goroutines of the server (GET /health) before the load and after it
	// (polled until back at the first count, at most goroutineSettle);
	// -1 when /health did not say.
	GoroutinesBefore int `json:"goroutines_before,omitempty"`
	GoroutinesAfter  int `json:"goroutines_after,omitempty"`

	// slow-clients: SlowClients clients on a SlowKBps (×1000 B/s) link
	// posting SlowBatch-metric batches beside the fast load the trial
	// records.
	SlowClients int     `json:"slow_clients,omitempty"`
	SlowKBps    int     `json:"slow_kbps,omitempty"`
	SlowBatch   int     `json:"slow_batch,omitempty"`
	Slow        *Counts `json:"slow_counts,omitempty"`
	SlowP99NS   int64   `json:"slow_p99_ns,omitempty"`
	// UnloadedP99NS is the fast load's p99 run alone just before, in the
	// same trial (the pair the 2× criterion compares).
	UnloadedP99NS int64 `json:"unloaded_p99_ns,omitempty"`
}

// StuckGoroutines is how many more goroutines the server had after a
// redis-outage trial than before it (0 when not measured).
func (n *NetFault) StuckGoroutines() int {
	if n == nil || n.GoroutinesBefore <= 0 || n.GoroutinesAfter <= 0 {
		return 0
	}
	return max(0, n.GoroutinesAfter-n.GoroutinesBefore)
}

var (
	outageRecoveryNS = KindUnit{Unit{"outage-recovery-ns", "failed answers after Redis came back", "lower"},
		func(t *Trial) float64 {
			if t.Fault == nil || t.Fault.Net == nil {
				return 0
			}
			return float64(t.Fault.Net.RecoveryNS)
		}}
	stuckGoroutines = KindUnit{Unit{"stuck-goroutines", "goroutines left after the outage", "lower"},
		func(t *Trial) float64 {
			if t.Fault == nil {
				return 0
			}
			return float64(t.Fault.Net.StuckGoroutines())
		}}
)

func init() {
	KindUnits["redis-latency"] = []KindUnit{lostMetrics}
	KindUnits["redis-outage"] = []KindUnit{lostMetrics, outageRecoveryNS, stuckGoroutines}
	KindUnits["slow-clients"] = []KindUnit{lostMetrics}
}

package analysis

import (
	"time"

	"metricstream/harness/results"
)

// The replica cells' and the fault kinds' findings (the criteria of
// docs/faults.md): figures and verdicts as values, computed once in
// Analyze; the words are harness/report's (report/faults.go). The disk
// kinds have theirs in finding_disk.go.

// FaultRecoveryBound is how soon a fault's recovery must come: the last
// 503 after an overload (finding_overload.go), the answers failing after
// Redis is restored (finding_netfault.go).
const FaultRecoveryBound = 2 * time.Second

// FaultP99Bound is how many times the unhindered p99 the honest clients'
// p99 may be beside slowloris attackers or slow clients.
const FaultP99Bound = 2.0

// ReplicaFinding is one variant in one replica cell: what its fleet
// admitted per client per second (median over the trials), and that rate
// as a multiple of the per-client limit each replica enforces: about the
// number of replicas for a limit kept per replica (the overshoot), 1× for
// one shared by the fleet.
type ReplicaFinding struct {
	Cell     Cell
	Variant  string
	Replicas int // server instances of the variant
	// RateLimit is the per-client limit (requests/s) each replica
	// enforces; 0: none.
	RateLimit     int
	PerClientRPS  float64 // median of admitted 2xx/s per client over the fleet
	LimitMultiple float64 // PerClientRPS / RateLimit; 0 without a limit
}

// replicas fills ReplicaFindings, one per replica cell and variant, in
// cell order.
func (a *Analysis) replicas() {
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 || ts[0].Replicas <= 1 || ts[0].Clients <= 0 {
				continue
			}
			t0 := ts[0]
			f := ReplicaFinding{Cell: c, Variant: v, Replicas: t0.Replicas, RateLimit: t0.RateLimit,
				PerClientRPS: MedianOf(ts, func(t *results.Trial) float64 { return t.Throughput / float64(t.Clients) })}
			if t0.RateLimit > 0 {
				f.LimitMultiple = f.PerClientRPS / float64(t0.RateLimit)
			}
			a.ReplicaFindings = append(a.ReplicaFindings, f)
		}
	}
}

// FaultFindings are the findings of the fault kinds with a verdict of
// their own (Trial.Kind), each kind's in cell order, then variant order.
// A kind's baseline step (slowloris=0, slow=0) is no finding of its own:
// the others are judged against it.
type FaultFindings struct {
	Slowloris    []SlowlorisFinding    // finding_slowloris.go
	Overload     []OverloadFinding     // finding_overload.go
	RedisLatency []RedisLatencyFinding // finding_netfault.go
	RedisCut     []RedisCutFinding     // finding_netfault.go
	SlowClients  []SlowClientsFinding  // finding_netfault.go
}

// faults fills FaultFindings.
func (a *Analysis) faults() {
	f := &a.FaultFindings
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 {
				continue
			}
			switch ts[0].Kind {
			case "slowloris":
				if c.Step != slowlorisBase {
					f.Slowloris = append(f.Slowloris, a.slowlorisFinding(c, v, ts))
				}
			case "overload":
				f.Overload = append(f.Overload, overloadFinding(c, v, ts))
			case "redis-latency":
				f.RedisLatency = append(f.RedisLatency, a.redisLatencyFinding(c, v, ts))
			case "redis-outage":
				f.RedisCut = append(f.RedisCut, redisCutFinding(c, v, ts))
			case "slow-clients":
				if c.Step != slowClientsBase {
					f.SlowClients = append(f.SlowClients, a.slowClientsFinding(c, v, ts))
				}
			}
		}
	}
}

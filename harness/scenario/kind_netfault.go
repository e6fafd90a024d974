package scenario

import (
	"fmt"
	"strconv"
	"time"

	"metricstream/harness/load"
	"metricstream/internal/clip"
)

// The network-fault kinds: a real fault injector
// (toxiproxy, in-process: harness/netfault) between the server and Redis
// or between clients and the server. Each trial starts a server of its own.
const (
	// KindRedisLatency: Redis behind added latency; steps are the latency
	// in ms ("latency=5ms"); a closed-loop load records admitted rate and
	// latency per step.
	KindRedisLatency Kind = "redis-latency"
	// KindRedisOutage: Redis cut for OutageDuration in the middle of an
	// open-loop load, then restored; one step per policy
	// ("fail-open=false", "fail-open=true").
	KindRedisOutage Kind = "redis-outage"
	// KindSlowClients: steps are counts of slow clients ("slow=N") on a
	// SlowLinkKBps link posting SlowBatch-metric batches beside the
	// scenario's fast closed-loop clients, whose load the trial records.
	KindSlowClients Kind = "slow-clients"
)

// Network-fault parameters.
const (
	OutageDuration = 2 * time.Second // how long redis-outage cuts Redis
	// SlowLinkKBps is the slow clients' link: toxiproxy's bandwidth toxic
	// counts whole KB of 1000 bytes, so 64 KiB/s (65,536 B/s) is 65 KB/s
	// (65,000 B/s, 1% under).
	SlowLinkKBps = 65
	SlowBatch    = 1000 // metrics per slow client's request
	MaxSlow      = 1000 // most slow clients in a step
	MaxLatencyMS = 1000 // most latency added to Redis in a step
)

func init() {
	RegisterKind(&KindSpec{Kind: KindRedisLatency, PerTrial: true, Validate: validateRedisLatency,
		Steps: func(s *Scenario, base load.Config) []Step {
			var out []Step
			for _, v := range s.Steps {
				out = append(out, Step{Name: "latency=" + strconv.Itoa(int(v)) + "ms", Config: base, Fault: v})
			}
			return out
		}})
	RegisterKind(&KindSpec{Kind: KindRedisOutage, PerTrial: true, Validate: validateRedisOutage,
		Steps: func(_ *Scenario, base load.Config) []Step {
			return []Step{{Name: "fail-open=false", Config: base}, {Name: "fail-open=true", Config: base, Fault: 1}}
		}})
	RegisterKind(&KindSpec{Kind: KindSlowClients, PerTrial: true, Validate: validateSlowClients,
		Steps: func(s *Scenario, base load.Config) []Step {
			var out []Step
			for _, v := range s.Steps {
				out = append(out, Step{Name: "slow=" + strconv.Itoa(int(v)), Config: base, Fault: v})
			}
			return out
		}})
}

// needsLimit: the Redis kinds measure the limiter's round trip, which a
// server with the limit off (0) never makes.
func needsLimit(s *Scenario, bad BadField) error {
	if s.Server.RateLimit == nil || *s.Server.RateLimit <= 0 {
		return bad("server.rate_limit", "a %s scenario needs a rate limit > 0: with the limit off the limiter never asks Redis", s.Kind)
	}
	return nil
}

func wholeSteps(s *Scenario, bad BadField, lo, hi int, what string) error {
	if len(s.Steps) == 0 {
		return bad("steps", "a %s scenario needs steps: %s", s.Kind, what)
	}
	for i, v := range s.Steps {
		if v < float64(lo) || v != float64(int(v)) || v > float64(hi) {
			return bad(fmt.Sprintf("steps[%d]", i), "%v must be whole, %d..%d (%s)", v, lo, hi, what)
		}
	}
	return nil
}

func closedDuration(s *Scenario, bad BadField) error {
	switch {
	case s.Model != "closed":
		return bad("model", "a %s scenario's load is closed-loop, got %q", s.Kind, clip.String(s.Model))
	case s.Clients <= 0:
		return bad("clients", "a %s scenario needs clients (> 0), got %d", s.Kind, s.Clients)
	case s.Duration == "":
		return bad("duration", "a %s scenario runs for a duration", s.Kind)
	case s.KeepAlive != nil && !*s.KeepAlive:
		return bad("keepalive", "a %s scenario's clients keep their connections alive", s.Kind)
	}
	return nil
}

func validateRedisLatency(s *Scenario, bad BadField) error {
	if err := closedDuration(s, bad); err != nil {
		return err
	}
	if err := needsLimit(s, bad); err != nil {
		return err
	}
	return wholeSteps(s, bad, 0, MaxLatencyMS, "ms of latency added to Redis, e.g. [0, 1, 5]")
}

func validateRedisOutage(s *Scenario, bad BadField) error {
	d, _ := time.ParseDuration(s.Duration)
	switch {
	case s.Model != "open":
		return bad("model", "a redis-outage scenario is open-loop (a steady offered rate across the outage), got %q", clip.String(s.Model))
	case len(s.Steps) > 0:
		return bad("steps", "a redis-outage scenario's steps are its two policies (fail-open=false, fail-open=true); leave steps out")
	case d < 2*OutageDuration:
		return bad("duration", "%q must be at least %v: the %v outage sits in the middle of the run", clip.String(s.Duration), 2*OutageDuration, OutageDuration)
	}
	return needsLimit(s, bad)
}

func validateSlowClients(s *Scenario, bad BadField) error {
	if err := closedDuration(s, bad); err != nil {
		return err
	}
	return wholeSteps(s, bad, 0, MaxSlow, "slow clients beside the fast ones, e.g. [0, 8] (0 gives the unloaded p99)")
}

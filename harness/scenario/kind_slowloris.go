package scenario

import (
	"fmt"
	"strconv"

	"metricstream/harness/load"
	"metricstream/internal/clip"
)

// The slowloris kind: steps are attacker counts (connections that trickle a
// header one byte at a time) while the scenario's closed-loop keep-alive
// clients measure the honest latency; server.header_timeout is required.
func init() {
	RegisterKind(&KindSpec{Kind: KindSlowloris, PerTrial: true, Validate: validateSlowloris, Steps: attackerSteps})
}

func validateSlowloris(s *Scenario, bad BadField) error {
	switch {
	case s.Model != "closed":
		return bad("model", "a slowloris scenario's honest load is closed-loop, got %q", clip.String(s.Model))
	case s.Clients <= 0:
		return bad("clients", "a slowloris scenario needs honest clients (> 0) beside the attackers, got %d", s.Clients)
	case s.KeepAlive != nil && !*s.KeepAlive:
		return bad("keepalive", "a slowloris scenario's honest clients keep their connections alive")
	case len(s.Steps) == 0:
		return bad("steps", "a slowloris scenario needs steps: attacker counts, e.g. [0, 1000] (0 gives the unloaded p99)")
	case s.Server.HeaderTimeout == "":
		return bad("server.header_timeout", "a slowloris scenario needs the header timeout it checks, e.g. \"1s\"")
	}
	for i, v := range s.Steps {
		if v < 0 || v != float64(int(v)) || v > MaxAttackers {
			return bad(fmt.Sprintf("steps[%d]", i), "%v must be a whole number of attackers, 0..%d", v, MaxAttackers)
		}
	}
	return nil
}

// attackerSteps is one step per attacker count ("slowloris=1000"), each
// with the scenario's honest load.
func attackerSteps(s *Scenario, base load.Config) []Step {
	var out []Step
	for _, v := range s.Steps {
		out = append(out, Step{Name: "slowloris=" + strconv.Itoa(int(v)), Config: base, Attackers: int(v)})
	}
	return out
}

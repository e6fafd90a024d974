package scenario

import (
	"testing"
)

// The network-fault kinds make their steps: latencies and slow-client
// counts from steps, the two outage policies by themselves; each is
// per-trial with the base load in every step.
func TestNetFaultSteps(t *testing.T) {
	for _, tc := range []struct {
		json  string
		names []string
		fault []float64
	}{
		{`{"name":"x","about":"a","kind":"redis-latency","model":"closed","clients":4,"duration":"1s","steps":[0,1,5],"server":{"rate_limit":1000}}`,
			[]string{"latency=0ms", "latency=1ms", "latency=5ms"}, []float64{0, 1, 5}},
		{`{"name":"x","about":"a","kind":"redis-outage","model":"open","clients":4,"rate":100,"duration":"4s","server":{"rate_limit":1000}}`,
			[]string{"fail-open=false", "fail-open=true"}, []float64{0, 1}},
		{`{"name":"x","about":"a","kind":"slow-clients","model":"closed","clients":4,"duration":"1s","steps":[0,8],"server":{"rate_limit":0}}`,
			[]string{"slow=0", "slow=8"}, []float64{0, 8}},
	} {
		s, err := Parse("x.json", []byte(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		steps := s.LoadSteps()
		if !s.PerTrial() || len(steps) != len(tc.names) {
			t.Fatalf("%s: per-trial %v, %d steps", s.Kind, s.PerTrial(), len(steps))
		}
		for i, st := range steps {
			if st.Name != tc.names[i] || st.Fault != tc.fault[i] || st.Config.Clients != 4 {
				t.Errorf("%s step %d: %q fault %v clients %d, want %q %v 4", s.Kind, i, st.Name, st.Fault, st.Config.Clients, tc.names[i], tc.fault[i])
			}
		}
	}
}

func TestNetFaultValidation(t *testing.T) {
	const rl = `"name":"t","about":"a","kind":"redis-latency","model":"closed","clients":4,"duration":"1s"`
	const ro = `"name":"t","about":"a","kind":"redis-outage","model":"open","clients":4,"rate":100`
	const sc = `"name":"t","about":"a","kind":"slow-clients","model":"closed","clients":4,"duration":"1s"`
	for _, tc := range []struct{ json, field, want string }{
		{`{` + rl + `,"steps":[0,5]}`, "server.rate_limit", "limiter never asks Redis"},
		{`{` + rl + `,"steps":[0,5],"server":{"rate_limit":0}}`, "server.rate_limit", "rate limit > 0"},
		{`{` + rl + `,"server":{"rate_limit":10}}`, "steps", "ms of latency"},
		{`{` + rl + `,"steps":[1.5],"server":{"rate_limit":10}}`, "steps[0]", "must be whole"},
		{`{` + rl + `,"steps":[1001],"server":{"rate_limit":10}}`, "steps[0]", "0..1000"},
		{`{"name":"t","about":"a","kind":"redis-latency","model":"closed","clients":4,"requests":10,"steps":[1],"server":{"rate_limit":10}}`, "duration", "runs for a duration"},
		{`{` + ro + `,"duration":"3s","server":{"rate_limit":10}}`, "duration", "at least 4s"},
		{`{` + ro + `,"duration":"4s"}`, "server.rate_limit", "rate limit > 0"},
		{`{` + ro + `,"duration":"4s","steps":[100],"server":{"rate_limit":10}}`, "steps", "two policies"},
		{`{"name":"t","about":"a","kind":"redis-outage","model":"closed","clients":4,"duration":"4s","server":{"rate_limit":10}}`, "model", "open-loop"},
		{`{` + sc + `}`, "steps", "slow clients"},
		{`{` + sc + `,"steps":[0,8],"keepalive":false}`, "keepalive", "keep their connections alive"},
		{`{"name":"t","about":"a","kind":"slow-clients","model":"open","rate":5,"clients":4,"duration":"1s","steps":[8]}`, "model", "closed-loop"},
	} {
		wantFieldError(t, tc.json, tc.field, tc.want)
	}
}

// The shipped network-fault scenarios parse, are per-trial and not quick;
// the outage fits its run.
func TestShippedNetFaultScenarios(t *testing.T) {
	for _, n := range []string{"redis-latency", "redis-outage", "slow-clients"} {
		s, err := Load("../../scenarios/" + n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if string(s.Kind) != n || !s.PerTrial() || s.Quick {
			t.Errorf("%s: kind %q, per-trial %v, quick %v", n, s.Kind, s.PerTrial(), s.Quick)
		}
		if n == "redis-outage" && s.LoadSteps()[0].Config.Duration < 2*OutageDuration {
			t.Errorf("%s: duration %v shorter than twice the %v outage", n, s.LoadSteps()[0].Config.Duration, OutageDuration)
		}
	}
}

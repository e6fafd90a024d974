package scenario

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Slowloris steps are attacker counts (0 allowed) beside the honest
// closed-loop load; overload has one open-loop step whose rate the harness
// measures; both are per-trial kinds; header_timeout becomes a flag.
func TestFaultKinds(t *testing.T) {
	s, err := Parse("scenarios/sl.json", []byte(`{"name":"sl","about":"a","kind":"slowloris","model":"closed","clients":8,"duration":"1s","steps":[0,1000],"server":{"rate_limit":0,"header_timeout":"1s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	steps := s.LoadSteps()
	if !s.PerTrial() || !s.Fault() || s.Durability() || len(steps) != 2 {
		t.Fatalf("per-trial %v fault %v durability %v steps %+v", s.PerTrial(), s.Fault(), s.Durability(), steps)
	}
	for i, want := range []int{0, 1000} {
		st := steps[i]
		if st.Attackers != want || st.Name != "slowloris="+map[int]string{0: "0", 1000: "1000"}[want] ||
			st.Config.Clients != 8 || st.Config.Duration != time.Second || !st.Config.KeepAlive {
			t.Errorf("step %d = %+v", i, st)
		}
	}
	if got := s.Server.Flags(); !slices.Equal(got, []string{"-rate-limit", "0", "-header-timeout", "1s"}) {
		t.Errorf("flags %q", got)
	}
	if s.HeaderTimeoutDuration() != time.Second {
		t.Errorf("header timeout %v", s.HeaderTimeoutDuration())
	}

	o, err := Parse("scenarios/ov.json", []byte(`{"name":"ov","about":"a","kind":"overload","model":"open","clients":256,"duration":"2s","server":{"workers":1,"queue":8,"fsync":"always","rate_limit":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	steps = o.LoadSteps()
	if !o.PerTrial() || len(steps) != 1 || steps[0].Name != "" || steps[0].Config.Clients != 256 || steps[0].Config.Duration != 2*time.Second || steps[0].Config.Rate != 0 {
		t.Fatalf("overload steps %+v", steps)
	}
	for _, sh := range []string{"shutdown", "crash"} {
		d, err := Parse("d.json", []byte(`{"name":"d","about":"a","kind":"`+sh+`","model":"closed","clients":2,"duration":"1s"}`))
		if err != nil || !d.PerTrial() || d.Fault() {
			t.Errorf("%s: per-trial %v, fault %v, %v", sh, d.PerTrial(), d.Fault(), err)
		}
	}
	if l, err := Parse("l.json", []byte(`{"name":"l","about":"a","model":"closed","clients":2,"requests":1}`)); err != nil || l.PerTrial() {
		t.Errorf("load scenario: per-trial %v, %v", l.PerTrial(), err)
	}
}

func TestFaultValidationNamesFileAndField(t *testing.T) {
	const sl = `"name":"t","about":"a","kind":"slowloris","model":"closed","duration":"1s"`
	const ov = `"name":"t","about":"a","kind":"overload","model":"open","duration":"1s"`
	for _, tc := range []struct{ json, field, want string }{
		{`{` + sl + `,"clients":8,"steps":[0,10]}`, "server.header_timeout", "needs the header timeout"},
		{`{` + sl + `,"clients":8,"steps":[0,10],"server":{"header_timeout":"soon"}}`, "server.header_timeout", "positive duration"},
		{`{` + sl + `,"clients":8,"steps":[0,10],"server":{"header_timeout":"-1s"}}`, "server.header_timeout", "positive duration"},
		{`{` + sl + `,"clients":8,"server":{"header_timeout":"1s"}}`, "steps", "attacker counts"},
		{`{` + sl + `,"clients":8,"steps":[-1],"server":{"header_timeout":"1s"}}`, "steps[0]", "whole number of attackers"},
		{`{` + sl + `,"clients":8,"steps":[0,2.5],"server":{"header_timeout":"1s"}}`, "steps[1]", "whole number of attackers"},
		{`{` + sl + `,"clients":8,"steps":[4001],"server":{"header_timeout":"1s"}}`, "steps[0]", "0..4000"},
		{`{` + sl + `,"clients":0,"steps":[10],"server":{"header_timeout":"1s"}}`, "clients", "honest clients"},
		{`{` + sl + `,"clients":8,"steps":[10],"keepalive":false,"server":{"header_timeout":"1s"}}`, "keepalive", "keep their connections alive"},
		{`{` + sl + `,"clients":8,"steps":[10],"replicas":2,"server":{"header_timeout":"1s"}}`, "replicas", "one server"},
		{`{"name":"t","about":"a","kind":"slowloris","model":"open","rate":5,"duration":"1s","clients":8,"steps":[10],"server":{"header_timeout":"1s"}}`, "model", "closed-loop"},
		{`{` + ov + `,"clients":8,"rate":100}`, "rate", "leave rate out"},
		{`{` + ov + `,"clients":8,"steps":[100]}`, "steps", "one step"},
		{`{` + ov + `,"clients":0}`, "clients", "must be > 0"},
		{`{"name":"t","about":"a","kind":"overload","model":"closed","clients":8,"duration":"1s"}`, "model", "open-loop"},
		{`{"name":"t","about":"a","kind":"overload","model":"open","clients":8}`, "duration", "needs a duration"},
		{`{"name":"t","about":"a","kind":"slowlorris","model":"closed","clients":8,"duration":"1s"}`, "kind", "one of capacity, crash, disk-full, disk-slow, load, overload, redis-latency, redis-outage, seed-careless, seed-naive, seed-spsc, seed-thread, seed-unbounded, shutdown, slow-clients, slowloris"},
		{`{` + ov + `,"clients":8,"fsync_policies":["never"]}`, "fsync_policies", "only shutdown and crash"},
	} {
		wantFieldError(t, tc.json, tc.field, tc.want)
	}
}

// The shipped fault scenarios are per-trial, not quick, and state their
// criterion (docs/faults.md).
func TestShippedFaultScenarios(t *testing.T) {
	for _, n := range []string{"slowloris", "overload"} {
		s, err := Load("../../scenarios/" + n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if string(s.Kind) != n || !s.PerTrial() || s.Quick || !strings.Contains(s.About, "docs/faults.md") {
			t.Errorf("%s: kind %q, per-trial %v, quick %v, about %q", n, s.Kind, s.PerTrial(), s.Quick, s.About)
		}
	}
}

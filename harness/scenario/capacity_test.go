package scenario

import (
	"strings"
	"testing"
	"time"
)

// A capacity scenario is open-loop with an SLO and no rate or steps; its
// search takes the scenario's duration as the minimum hold, the capacity
// parameters, and the SLOs as objectives.
func TestCapacityScenario(t *testing.T) {
	ok := `{"name":"c","about":"a","kind":"capacity","model":"open","clients":8,"duration":"300ms","slo":["p99 <= 10ms","success >= 99%"],
		"capacity":{"min_requests":500,"probe_hold":"100ms","min_rate":50,"max_rate":9000,"growth":1.4,"tolerance":0.04,"max_points":6}}`
	s, err := Parse("c.json", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	cs := s.CapacitySearch()
	if cs.MinHold != 300*time.Millisecond || cs.ProbeHold != 100*time.Millisecond || cs.MinRequests != 500 || cs.MinRate != 50 ||
		cs.MaxRate != 9000 || cs.Growth != 1.4 || cs.Tolerance != 0.04 || cs.MaxPoints != 6 || len(cs.Objectives) != 2 {
		t.Errorf("search %+v", cs)
	}
	if st := s.LoadSteps(); len(st) != 1 || st[0].Name != "" || st[0].Config.Clients != 8 {
		t.Errorf("steps %+v", st)
	}
	for _, c := range []struct{ body, field string }{
		{`{"name":"c","about":"a","kind":"capacity","model":"closed","clients":8,"duration":"1s","slo":["p99 <= 1ms"]}`, "model"},
		{`{"name":"c","about":"a","kind":"capacity","model":"open","clients":8,"rate":100,"duration":"1s","slo":["p99 <= 1ms"]}`, "rate"},
		{`{"name":"c","about":"a","kind":"capacity","model":"open","clients":8,"steps":[1,2],"duration":"1s","slo":["p99 <= 1ms"]}`, "steps"},
		{`{"name":"c","about":"a","kind":"capacity","model":"open","clients":8,"duration":"1s"}`, "slo"},
		{`{"name":"c","about":"a","kind":"capacity","model":"open","clients":8,"duration":"1s","slo":["p99 <= 1ms"],"capacity":{"probe_hold":"x"}}`, "capacity.probe_hold"},
		{`{"name":"c","about":"a","kind":"capacity","model":"open","clients":8,"duration":"1s","slo":["p99 <= 1ms"],"capacity":{"growth":-1}}`, "capacity"},
		{`{"name":"c","about":"a","model":"closed","clients":8,"duration":"1s","targets":"gpu"}`, "targets"},
	} {
		_, err := Parse("c.json", []byte(c.body))
		e, isErr := err.(*Error)
		if !isErr || e.Field != c.field {
			t.Errorf("%s: got %v, want an error on field %q", c.body, err, c.field)
		}
	}
}

// A set name selects every scenario whose sets name it; a scenario name
// still selects that scenario.
func TestSelectSet(t *testing.T) {
	mk := func(name string, sets ...string) *Scenario { return &Scenario{Name: name, Sets: sets} }
	all := []*Scenario{mk("a", "full"), mk("b"), mk("c", "full", "x")}
	got, err := Select(all, "full")
	if err != nil || len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Fatalf("full: %v %v", got, err)
	}
	if got, err := Select(all, "b"); err != nil || len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("b: %v %v", got, err)
	}
	if _, err := Select(all, "nope"); err == nil || !strings.Contains(err.Error(), "unknown scenario") {
		t.Fatalf("nope: %v", err)
	}
}

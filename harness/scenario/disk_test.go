package scenario

import (
	"strings"
	"testing"
	"time"
)

// disk-full has one step; disk-slow's steps are write delays; both are
// per-trial with the base load in every step.
func TestDiskFaultSteps(t *testing.T) {
	f, err := Parse("f.json", []byte(`{"name":"f","about":"a","kind":"disk-full","model":"closed","clients":4,"batch":10,"duration":"4s","server":{"rate_limit":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if st := f.LoadSteps(); !f.PerTrial() || !f.Fault() || len(st) != 1 || st[0].Name != "" || st[0].Config.Batch != 10 || st[0].Config.Duration != 4*time.Second {
		t.Fatalf("disk-full: per-trial %v, steps %+v", f.PerTrial(), st)
	}
	s, err := Parse("s.json", []byte(`{"name":"s","about":"a","kind":"disk-slow","model":"closed","clients":4,"duration":"1s","steps":[0,5],"server":{"rate_limit":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	steps := s.LoadSteps()
	if !s.PerTrial() || len(steps) != 2 {
		t.Fatalf("disk-slow: per-trial %v, %d steps", s.PerTrial(), len(steps))
	}
	for i, want := range []time.Duration{0, 5 * time.Millisecond} {
		st := steps[i]
		if st.WriteDelay() != want || st.Name != []string{"delay=0ms", "delay=5ms"}[i] || st.Config.Clients != 4 {
			t.Errorf("step %d: %q delay %v clients %d", i, st.Name, st.WriteDelay(), st.Config.Clients)
		}
	}
}

func TestDiskFaultValidation(t *testing.T) {
	const full = `"name":"t","about":"a","kind":"disk-full","model":"closed","clients":4`
	const slow = `"name":"t","about":"a","kind":"disk-slow","model":"closed","clients":4,"duration":"1s"`
	for _, tc := range []struct{ json, field, want string }{
		{`{` + full + `,"duration":"4s","steps":[1]}`, "steps", "one step"},
		{`{` + full + `,"duration":"1s"}`, "duration", "at least 1.5s"},
		{`{` + full + `,"requests":10}`, "duration", "runs for a duration"},
		{`{"name":"t","about":"a","kind":"disk-full","model":"open","rate":10,"clients":4,"duration":"4s"}`, "model", "closed-loop"},
		{`{` + slow + `}`, "steps", "ms each write"},
		{`{` + slow + `,"steps":[2.5]}`, "steps[0]", "must be whole"},
		{`{` + slow + `,"steps":[1001]}`, "steps[0]", "0..1000"},
		{`{` + slow + `,"steps":[1],"keepalive":false}`, "keepalive", "keep their connections alive"},
	} {
		wantFieldError(t, tc.json, tc.field, tc.want)
	}
}

// The shipped disk scenarios are in the full set, not quick, and their
// trials fit the full set's budget: under 30 s per variant at 6 trials.
func TestShippedDiskScenarios(t *testing.T) {
	all, err := LoadDir("../../scenarios")
	if err != nil {
		t.Fatal(err)
	}
	full, err := Select(all, "full")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*Scenario{}
	for _, s := range full {
		in[s.Name] = s
	}
	for _, k := range []Kind{KindDiskFull, KindDiskSlow} {
		s := in[string(k)]
		if s == nil {
			t.Fatalf("%s is not in the full set", k)
		}
		if s.Kind != k || s.Quick || !s.PerTrial() || !strings.Contains(s.About, "docs/durability.md") {
			t.Errorf("%s: kind %q, quick %v, per-trial %v", k, s.Kind, s.Quick, s.PerTrial())
		}
		var per time.Duration
		for _, st := range s.LoadSteps() {
			per += st.Config.Duration + time.Second // a server start and stop per trial
		}
		if 6*per > 30*time.Second {
			t.Errorf("%s: %v a variant at 6 trials, over the full set's 30 s", k, 6*per)
		}
	}
}

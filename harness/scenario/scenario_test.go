package scenario

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"metricstream/harness/results"
)

const good = `{"name":"t","about":"a test","model":"closed","clients":2,"requests":3,"server":{"rate_limit":0},"slo":["success >= 99%"]}`

func TestParseValid(t *testing.T) {
	s, err := Parse("dir/t.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Batch != 1 || len(s.SLOs()) != 1 || s.Server.Key() != "-rate-limit 0" {
		t.Fatalf("%+v", s)
	}
	st := s.LoadSteps()
	if len(st) != 1 || st[0].Name != "" || st[0].Config.Clients != 2 || !st[0].Config.KeepAlive {
		t.Fatalf("steps %+v", st)
	}
}

func TestStepsAndWarmup(t *testing.T) {
	s, err := Parse("x/ramp.json", []byte(`{"name":"ramp","about":"a","model":"open","clients":4,"duration":"1s","steps":[100,250.5],"warmup":"300ms","keepalive":false}`))
	if err != nil {
		t.Fatal(err)
	}
	st := s.LoadSteps()
	if len(st) != 2 || st[1].Name != "rate=250.5" || st[1].Config.Rate != 250.5 || st[0].Config.Duration != time.Second || st[0].Config.KeepAlive {
		t.Fatalf("steps %+v", st)
	}
	if s.WarmupDuration() != 300*time.Millisecond {
		t.Fatal(s.WarmupDuration())
	}
}

// Every validation error names the file and the field.
func TestValidationErrorsNameFileAndField(t *testing.T) {
	for _, tc := range []struct{ json, field, want string }{
		{`{"name":"t","about":"a","model":"closed","clients":2,"requests":3,"clinets":4}`, "clinets", "unknown field"},
		{`{"name":"t","about":"a","model":"closed","clients":"2","requests":3}`, "clients", "want int"},
		{`{"name":"t","about":"a","model":"closed","clients":0,"requests":3}`, "clients", "must be > 0"},
		{`{"name":"u","about":"a","model":"closed","clients":1,"requests":3}`, "name", "file name"},
		{`{"name":"t","about":"","model":"closed","clients":1,"requests":3}`, "about", "dimension"},
		{`{"name":"t","about":"a","model":"half","clients":1,"requests":3}`, "model", "closed or open"},
		{`{"name":"t","about":"a","model":"closed","clients":1}`, "requests", "exactly one"},
		{`{"name":"t","about":"a","model":"open","clients":1,"duration":"1s"}`, "rate", "must be > 0"},
		{`{"name":"t","about":"a","model":"open","clients":1,"rate":5}`, "duration", "needs a duration"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"duration":"soon"}`, "duration", "positive duration"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"batch":1001}`, "batch", "1..1000"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"steps":[10,2.5]}`, "steps[1]", "whole number"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"server":{"fsync":"sometimes"}}`, "server.fsync", "never, interval or always"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"server":{"rate_limit":-1}}`, "server.rate_limit", ">= 0"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"server":{"workers":2,"qeue":1}}`, "server.qeue", "unknown field"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"slo":["p99 <= 5"]}`, "slo[0]", "duration"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"timeout":"-"}`, "timeout", "duration"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"replicas":9}`, "replicas", "1..8"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"replicas":-1}`, "replicas", "1..8"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"replicas":1.5}`, "replicas", "want int"},
		{`{"name":"t","about":"a","kind":"shutdown","model":"closed","clients":1,"duration":"1s","replicas":2}`, "replicas", "one server"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"server":{"stages":"off"}}`, "server.stages", "1/8 or all"},
		{`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"server":{"stages":"1/0"}}`, "server.stages", "1/8 or all"},
	} {
		err := wantFieldError(t, tc.json, tc.field, tc.want)
		if !strings.HasPrefix(err.Error(), "scenario: scenarios/t.json: ") {
			t.Errorf("error %q does not start with the file", err)
		}
	}
	_, err := Parse("scenarios/t.json", []byte("{\n  \"name\": \"t\",\n  oops\n}"))
	if err == nil || !strings.Contains(err.Error(), "scenarios/t.json: line 3") {
		t.Errorf("syntax error %v should name file and line", err)
	}
	if _, err := Parse("scenarios/t.json", []byte(good+" {}")); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("trailing data: %v", err)
	}
}

// The shipped scenarios are valid, cover the list, and the quick set
// is not empty.
func TestShippedScenarios(t *testing.T) {
	all, err := LoadDir("../../scenarios")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range all {
		names[s.Name] = true
	}
	for _, n := range []string{"seed-50x10", "seed-100x10", "client-sweep", "rate-ramp", "large-batch", "conn-per-request", "fsync", "many-clients"} {
		if !names[n] {
			t.Errorf("missing scenario %s", n)
		}
	}
	q, err := Select(all, "")
	if err != nil || len(q) == 0 {
		t.Fatalf("quick set: %v %v", q, err)
	}
	if _, err := Select(all, "seed-50x10,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestSLO(t *testing.T) {
	tr := &results.Trial{SuccessPct: 99.5, Throughput: 1200, Counts: results.Counts{Status2xx: 199, Status503: 1, Late: 20},
		Latency: results.Latency{Mean: 2e6, P50: 1e6, P90: 3e6, P99: 4_999_000, P999: 9e6, Max: 20e6}}
	for _, tc := range []struct {
		expr  string
		pass  bool
		value float64
	}{
		{"success >= 99%", true, 99.5},
		{"success >= 99.9%", false, 99.5},
		{"p99 <= 5ms", true, 4_999_000},
		{"p99 < 4ms", false, 4_999_000},
		{"p99.9 <= 10ms", true, 9e6},
		{"max > 1s", false, 20e6},
		{"mean == 2ms", true, 2e6},
		{"throughput >= 1000/s", true, 1200},
		{"throughput > 2000", false, 1200},
		{"errors <= 1%", true, 0.5},
		{"late < 5%", false, 10},
		{"P50 <= 1ms", true, 1e6},
	} {
		s, err := ParseSLO(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		r := s.Eval(tr)
		if r.Pass != tc.pass || r.Value != tc.value || r.Expr != tc.expr {
			t.Errorf("%s: %+v, want pass %v value %v", tc.expr, r, tc.pass, tc.value)
		}
	}
	// A trial with no requests meets nothing.
	s, _ := ParseSLO("p99 <= 5ms")
	if s.Eval(&results.Trial{}).Pass {
		t.Error("an empty trial passed")
	}
	for _, bad := range []string{"", "p99<=5ms", "p99 <= five", "success >= 99", "success >= 120%", "p98 <= 1ms", "p99 ~ 1ms", "throughput >= -1"} {
		if _, err := ParseSLO(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestDurabilityKinds(t *testing.T) {
	ok := `{"name":"c","about":"a","kind":"crash","fsync_policies":["never","always"],"model":"closed","clients":2,"duration":"1s"}`
	s, err := Parse("c.json", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	steps := s.LoadSteps()
	if !s.Durability() || len(steps) != 2 || steps[0].Name != "fsync=never" || steps[1].Fsync != "always" {
		t.Fatalf("steps = %+v", steps)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"name":"c","about":"a","kind":"explode","model":"closed","clients":2,"duration":"1s"}`, "kind"},
		{`{"name":"c","about":"a","kind":"crash","fsync_policies":["sometimes"],"model":"closed","clients":2,"duration":"1s"}`, "fsync_policies[0]"},
		{`{"name":"c","about":"a","fsync_policies":["never"],"model":"closed","clients":2,"duration":"1s"}`, "fsync_policies"},
		{`{"name":"c","about":"a","kind":"shutdown","model":"closed","clients":2,"requests":5}`, "model"},
		{`{"name":"c","about":"a","kind":"crash","model":"open","clients":2,"rate":5,"duration":"1s"}`, "model"},
	} {
		_, err := Parse("c.json", []byte(tc.body))
		var e *Error
		if !errors.As(err, &e) || e.Field != tc.field || e.File != "c.json" {
			t.Errorf("%s: err = %v, want an error naming field %q", tc.body, err, tc.field)
		}
	}
}

// replicas defaults to 1 and is kept as given within 1..8.
func TestReplicas(t *testing.T) {
	s, err := Parse("t.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Replicas != 1 || s.Replicated() {
		t.Fatalf("default replicas = %d, replicated %v", s.Replicas, s.Replicated())
	}
	for _, n := range []int{1, 3, MaxReplicas} {
		body := strings.Replace(good, `"requests":3`, `"requests":3,"replicas":`+strconv.Itoa(n), 1)
		s, err := Parse("t.json", []byte(body))
		if err != nil {
			t.Fatalf("replicas %d: %v", n, err)
		}
		if s.Replicas != n || s.Replicated() != (n > 1) {
			t.Fatalf("replicas %d: got %d, replicated %v", n, s.Replicas, s.Replicated())
		}
	}
}

// server.stages is a server flag: it goes to the server as -stages and
// tells server groups apart.
func TestServerStagesFlag(t *testing.T) {
	s, err := Parse("t.json", []byte(`{"name":"t","about":"a","model":"closed","clients":1,"requests":1,"server":{"rate_limit":0,"stages":"all"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Server.Flags(), " "); got != "-rate-limit 0 -stages all" {
		t.Errorf("flags %q", got)
	}
	if plain := (Server{RateLimit: s.Server.RateLimit}); plain.Key() == s.Server.Key() {
		t.Errorf("a scenario with its own stage sample shares servers with one without")
	}
}

// wantFieldError parses js as scenarios/t.json and checks it is refused
// with a *Error of that file naming field, whose message contains want;
// it returns the error.
func wantFieldError(t *testing.T, js, field, want string) error {
	t.Helper()
	_, err := Parse("scenarios/t.json", []byte(js))
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: err %v, want *Error", js, err)
		return err
	}
	if e.File != "scenarios/t.json" || e.Field != field || !strings.Contains(err.Error(), want) {
		t.Errorf("%s:\n got %q (field %q)\nwant field %q containing %q", js, err, e.Field, field, want)
	}
	return err
}

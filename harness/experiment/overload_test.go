package experiment

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"metricstream/harness/launch"
	"metricstream/harness/results"
)

// busyLauncher starts servers that answer every POST /metrics 503: no
// rate can meet the overload kind's objective.
type busyLauncher struct{}

type busyInst struct {
	ln  net.Listener
	srv *http.Server
}

func (b *busyInst) Addr() string      { return b.ln.Addr().String() }
func (b *busyInst) DataFile() string  { return "" }
func (b *busyInst) PprofAddr() string { return "" }
func (b *busyInst) Stop(context.Context) (int, error) {
	return 0, b.srv.Close()
}

func (busyLauncher) Start(context.Context, launch.Arm, []string, string) (launch.Instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("POST /metrics", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	b := &busyInst{ln: ln, srv: &http.Server{Handler: mux}}
	go b.srv.Serve(ln)
	return b, nil
}

// An overload trial whose capacity search never passed keeps the search
// (censored: below the lowest rate tried), says why its phases did not
// run, and carries no overload rate and no recovery figure made from a
// capacity of 0.
func TestOverloadCensoredSearchRunsNoPhases(t *testing.T) {
	sc := parseScenario(t, "ov", `{"name":"ov","about":"t","kind":"overload","model":"open","clients":8,"duration":"200ms","server":{"rate_limit":0}}`)
	a := &armState{Arm: arms(t, "phase6")[0]}
	cfg := Config{Dir: filepath.Join(t.TempDir(), "run"), Launcher: busyLauncher{}}
	tr := &trial{ctx: context.Background(), cfg: &cfg, arm: a, sc: sc, step: sc.LoadSteps()[0], id: "d0"}
	if p, _ := perTrial(tr); p != nil {
		t.Fatalf("problem %s: %s", p.Name, p.Detail)
	}
	t0 := tr.rec
	if t0.Kind != "overload" || t0.Capacity == nil || t0.Fault == nil {
		t.Fatalf("trial %+v", t0)
	}
	how, bound := t0.Capacity.Censored()
	if how != results.Below || bound != overloadMinRate || !t0.Capacity.BelowMin {
		t.Errorf("search censored %q at %v, want below the %d req/s floor", how, bound, overloadMinRate)
	}
	f := t0.Fault
	if f.NotRun == "" || f.CapacityRPS != 0 || f.RecoveryNS != 0 || f.Recovery503 != 0 || f.AchievedRPS != 0 || t0.OfferedRate > overloadMinRate {
		t.Errorf("fault %+v offered %v: want no phase run and why", f, t0.OfferedRate)
	}
}

type failingLauncher struct{}

func (failingLauncher) Start(context.Context, launch.Arm, []string, string) (launch.Instance, error) {
	return nil, errors.New("port in use")
}

// A trial whose server does not start measured nothing: perTrial says so,
// and the round leaves it out of the run instead of recording zeros; the
// arm's check keeps the problem.
func TestTrialNotStartedIsNotRecorded(t *testing.T) {
	sc := parseScenario(t, "ov", `{"name":"ov","about":"t","kind":"overload","model":"open","clients":8,"duration":"200ms","server":{"rate_limit":0}}`)
	a := &armState{Arm: arms(t, "phase6")[0]}
	cfg := Config{Dir: filepath.Join(t.TempDir(), "run"), Launcher: failingLauncher{}}
	tr := &trial{ctx: context.Background(), cfg: &cfg, arm: a, sc: sc, step: sc.LoadSteps()[0], id: "d0"}
	p, measured := perTrial(tr)
	if measured || p == nil || !strings.Contains(p.Detail, "port in use") || !strings.Contains(p.Detail, "not measured") || p.Cell != "overload" || p.Trial != "d0" || p.Name != "overload (d0)" {
		t.Fatalf("problem %+v, measured %v: want a not-measured problem", p, measured)
	}
	a.check.Steps = nil
	cfg.Count, cfg.Seed = 1, 1
	r := newRunner(cfg)
	r.arms = []*armState{a}
	r.perTrialRound(context.Background(), sc, sc.LoadSteps()[0], 0)
	if len(r.run.Trials) != 0 {
		t.Errorf("%d trials recorded from a server that never started", len(r.run.Trials))
	}
	if len(a.check.Steps) != 1 || a.check.Steps[0].OK {
		t.Errorf("check steps %+v: want the one problem", a.check.Steps)
	}
}

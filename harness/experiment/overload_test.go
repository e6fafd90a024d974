package experiment

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
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
	if p := perTrial(tr); p != nil {
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

package experiment

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

func parseScenario(t *testing.T, name, body string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse(name+".json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// noProblems fails t for any problem step a per-trial scenario left on a
// check (their names start with the kind).
func noProblems(t *testing.T, run *results.Run, kind string) {
	t.Helper()
	for _, c := range run.Checks {
		if c.Failed != "" {
			t.Errorf("%s failed: %s", c.Variant, c.Failed)
		}
		for _, s := range c.Steps {
			if strings.HasPrefix(s.Name, kind) {
				t.Errorf("%s: problem %s: %s", c.Variant, s.Name, s.Detail)
			}
		}
	}
}

// 20 slowloris attackers against a real server with a 300 ms header
// timeout: every one is closed by the server, no sooner than the timeout
// and within timeout + 1 s of its first byte; the honest load beside them
// is recorded and loses nothing.
func TestSlowlorisRealServer(t *testing.T) {
	sc := parseScenario(t, "sl", `{"name":"sl","about":"t","kind":"slowloris","model":"closed","clients":2,"duration":"300ms","steps":[0,20],"server":{"rate_limit":0,"header_timeout":"300ms"}}`)
	run := runBuilt(t, "phase5", sc)
	noProblems(t, run, "slowloris")
	if len(run.Trials) != 2 {
		t.Fatalf("%d trials, want 2", len(run.Trials))
	}
	ht := 300 * time.Millisecond
	for i, tr := range run.Trials {
		f := tr.Fault
		if tr.Kind != "slowloris" || f == nil || f.HeaderTimeoutNS != int64(ht) || tr.Counts.Status2xx == 0 || tr.Acked == 0 || tr.Lost != 0 || tr.Clients != 2 {
			t.Fatalf("trial %d: %+v fault %+v", i, tr, f)
		}
		want := []int{0, 20}[i]
		if tr.Step != []string{"slowloris=0", "slowloris=20"}[i] || f.Attackers != want || f.Connected != want || f.ClosedInTime != want || f.Late() != 0 {
			t.Errorf("trial %d (%s): fault %+v, want %d attackers all closed in time", i, tr.Step, f, want)
		}
		if want > 0 && (f.SlowestCloseNS < int64(ht) || f.SlowestCloseNS > int64(ht+time.Second)) {
			t.Errorf("slowest close %v, want within [%v, %v]", time.Duration(f.SlowestCloseNS), ht, ht+time.Second)
		}
	}
	b, err := os.ReadFile(filepath.Join(run.Dir, results.BenchFile))
	if err != nil || !strings.Contains(string(b), "scenario=sl/slowloris=20/variant=phase5") || !strings.Contains(string(b), " 0 hostile-late") {
		t.Fatalf("bench.txt lacks the slowloris lines (%v):\n%s", err, b)
	}
	var sum bytes.Buffer
	if err := summarize(&sum, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "sl slowloris=20 phase5: closed within 300ms+1s 20/20 connected") || !strings.Contains(sum.String(), "unloaded = ") {
		t.Errorf("summary:\n%s", sum.String())
	}
}

// An overload of ~1 s against a real pool server with 1 worker and a
// queue of 8: the capacity is measured, 5× it is offered, 503s appear, the
// recorded latency is of the 2xx answers only, and nothing acknowledged
// over the three phases is lost.
func TestOverloadRealServer(t *testing.T) {
	sc := parseScenario(t, "ov", `{"name":"ov","about":"t","kind":"overload","model":"open","clients":64,"duration":"1s","server":{"rate_limit":0,"workers":1,"queue":8,"fsync":"always"}}`)
	run := runBuilt(t, "phase6", sc)
	noProblems(t, run, "overload")
	if len(run.Trials) != 1 {
		t.Fatalf("%d trials, want 1", len(run.Trials))
	}
	tr := run.Trials[0]
	f := tr.Fault
	if tr.Kind != "overload" || f == nil || tr.Model != "open" || tr.Clients != 64 || tr.Capacity == nil {
		t.Fatalf("trial %+v fault %+v", tr, f)
	}
	if how, _ := tr.Capacity.Censored(); how != results.Exact {
		// no number, no phases (TestOverloadCensoredSearchRunsNoPhases)
		if f.NotRun == "" || f.RecoveryNS != 0 || tr.OfferedRate != 0 {
			t.Errorf("censored search (%s): fault %+v offered %v", how, f, tr.OfferedRate)
		}
		t.Logf("the capacity search did not converge on this machine: %s", f.NotRun)
		return
	}
	// the multiple of capacity sent is what the generator sent in the
	// window, not what completed
	if f.AchievedRPS != tr.SentRate || f.AchievedRPS <= f.CapacityRPS || f.NotRun != "" {
		t.Errorf("sent %.0f/s (trial's sent rate %.0f/s) against capacity %.0f/s; not run %q", f.AchievedRPS, tr.SentRate, f.CapacityRPS, f.NotRun)
	}
	if d := tr.OfferedRate - scenario.OverloadFactor*f.CapacityRPS; d > 1e-6 || d < -1e-6 {
		t.Errorf("offered %v, want 5 × capacity %v", tr.OfferedRate, f.CapacityRPS)
	}
	if tr.Counts.Status503 == 0 || tr.Counts.Status2xx == 0 || f.AchievedRPS <= 0 {
		t.Errorf("counts %+v achieved %v: want 2xx and 503s", tr.Counts, f.AchievedRPS)
	}
	if tr.Lost != 0 || f.AckedAll < tr.Acked || tr.Acked != tr.Counts.Status2xx {
		t.Errorf("lost %d, acked %d of %d over all phases (2xx %d)", tr.Lost, tr.Acked, f.AckedAll, tr.Counts.Status2xx)
	}
	h, err := results.DecodeHDR(tr.HDR)
	if err != nil || h.TotalCount() != tr.Counts.Status2xx {
		t.Errorf("latency histogram holds %d values (%v), want the %d 2xx answers only", h.TotalCount(), err, tr.Counts.Status2xx)
	}
	if (f.RecoveryNS == 0) != (f.Recovery503 == 0) || f.RecoveryNS > int64(scenario.RecoveryDuration+5*time.Second) {
		t.Errorf("recovery %v with %d 503s", time.Duration(f.RecoveryNS), f.Recovery503)
	}
	b, err := os.ReadFile(filepath.Join(run.Dir, results.BenchFile))
	if err != nil || !strings.Contains(string(b), "scenario=ov/variant=phase6") || !strings.Contains(string(b), " recovery-ns") || !strings.Contains(string(b), " 0 lost-metrics") {
		t.Fatalf("bench.txt lacks the overload line (%v):\n%s", err, b)
	}
}

// The attack against a loopback listener: one that closes every
// connection once it has its first bytes sees all closed in time; one that
// never closes sees none closed, and finish still ends every attacker.
func TestAttackCloseAndCleanup(t *testing.T) {
	for _, closeThem := range []bool{true, false} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var held []net.Conn
		var mu sync.Mutex
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				if closeThem {
					go func() {
						c.Read(make([]byte, 64)) // the first bytes, then close
						c.Close()
					}()
					continue
				}
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
			}
		}()
		at := startAttack(context.Background(), ln.Addr().String(), 10)
		at.started.Wait()
		at.finish(context.Background(), 300*time.Millisecond) // returns once every attacker goroutine has
		fs := &results.FaultStats{Attackers: 10}
		at.fill(fs, time.Second)
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
		want := 0
		if closeThem {
			want = 10
		}
		if fs.Connected != 10 || fs.ClosedInTime != want || fs.Late() != 10-want {
			t.Errorf("server closes %v: %+v", closeThem, fs)
		}
	}
}

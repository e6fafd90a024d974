package experiment

import (
	"bufio"
	"context"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/scenario"
)

// recordingLauncher is a fakeLauncher that remembers every start's flags and
// instance, and whether the -redis-addr it was given answered PING then.
type recordingLauncher struct {
	fakeLauncher
	mu     sync.Mutex
	starts []start
}

type start struct {
	arm      string
	flags    []string
	inst     launch.Instance
	redisUp  bool   // -redis-addr answered PING at start
	redisArg string // the -redis-addr value, if any
}

func (l *recordingLauncher) Start(ctx context.Context, arm launch.Arm, flags []string, dir string) (launch.Instance, error) {
	inst, err := l.fakeLauncher.Start(ctx, arm, flags, dir)
	if err != nil {
		return nil, err
	}
	s := start{arm: arm.Label, flags: slices.Clone(flags), inst: inst}
	if i := slices.Index(flags, "-redis-addr"); i >= 0 && i+1 < len(flags) {
		s.redisArg = flags[i+1]
		s.redisUp = ping(s.redisArg) == nil
	}
	l.mu.Lock()
	l.starts = append(l.starts, s)
	l.mu.Unlock()
	return inst, nil
}

// ping sends a Redis PING and wants +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return &net.AddrError{Err: "not redis: " + line, Addr: addr}
	}
	return nil
}

func replicaScenario(t *testing.T, extra string) *scenario.Scenario {
	t.Helper()
	// each client sends 2 requests to each of 3 replicas, each replica
	// admitting 2 per client per second: a fleet limiting per replica
	// admits all 6 (one server would admit 2)
	s, err := scenario.Parse("fleet.json", []byte(`{"name":"fleet","about":"test","model":"closed","clients":2,"requests":6,"replicas":3,"warmup":"1ms","server":{"rate_limit":2}`+extra+`}`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A replica scenario starts its replicas once per arm in a group of its
// own (the other scenario keeps its single server), every trial spreads
// each client over all replicas (so local limits admit the quota once per
// replica), and integrity sums over the replicas' files.
func TestReplicaScenarioRunsAFleet(t *testing.T) {
	l := &recordingLauncher{}
	cfg := Config{
		Arms:      arms(t, "baseline+phase3"),
		Scenarios: []*scenario.Scenario{tinyScenario(t, "one", `,"server":{"rate_limit":2}`), replicaScenario(t, "")},
		Count:     2,
		Dir:       filepath.Join(t.TempDir(), "run"),
		Launcher:  l,
		KeepData:  true,
		Verify:    VerifyOptions{LineWait: time.Second},
	}
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	perArm := map[string]int{}
	for _, s := range l.starts {
		perArm[s.arm]++
		if s.redisArg != "" {
			t.Errorf("%s started with %v: only limiter=redis replicas get a shared redis", s.arm, s.flags)
		}
	}
	// verify (1) + the single-server group (1) + the replica group (3)
	if perArm["baseline"] != 5 || perArm["phase3"] != 5 {
		t.Fatalf("starts per arm %v, want 5 each", perArm)
	}
	var fleetTrials int
	for _, tr := range run.Trials {
		switch tr.Scenario {
		case "fleet":
			fleetTrials++
			if tr.Replicas != 3 || tr.RateLimit != 2 || tr.Counts.Status2xx != 12 || tr.Counts.Status429 != 0 {
				t.Errorf("fleet trial: replicas %d rate limit %d counts %+v; want 3, 2 and 12 × 2xx (2 per client per replica)", tr.Replicas, tr.RateLimit, tr.Counts)
			}
		case "one":
			if tr.Replicas != 0 || tr.RateLimit != 0 {
				t.Errorf("single-server trial recorded replicas %d rate limit %d", tr.Replicas, tr.RateLimit)
			}
		}
	}
	if fleetTrials != 4 {
		t.Fatalf("%d fleet trials, want 4", fleetTrials)
	}
	for _, c := range run.Checks {
		if c.Failed != "" || !c.Intact || c.Acked == 0 || c.Acked != c.Lines {
			t.Errorf("check %+v", c)
		}
		var sigterms, integrity int
		for _, st := range c.Steps {
			if strings.HasPrefix(st.Name, "sigterm (fleet, replica ") {
				sigterms++
			}
			if st.Name == "integrity (fleet)" && strings.Contains(st.Detail, "over 3 replicas' files") {
				integrity++
			}
		}
		if sigterms != 3 || integrity != 1 {
			t.Errorf("%s: %d replica sigterm steps and %d fleet integrity steps, want 3 and 1: %+v", c.Variant, sigterms, integrity, c.Steps)
		}
	}
	// each replica of each arm served part of the load
	for _, s := range l.starts[len(l.starts)-6:] {
		lines, _, err := FileLines(s.inst.DataFile())
		if err != nil || lines == 0 {
			t.Errorf("replica %s of %s: %d lines, %v", s.inst.Addr(), s.arm, lines, err)
		}
	}
	var sum strings.Builder
	if err := summarize(&sum, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "fleet, 3 replicas × 2/s per client: baseline ") {
		t.Errorf("summary lacks the replica line:\n%s", sum.String())
	}
}

// A limiter=redis arm's replicas all get one redis-server of the arm's own,
// up while they run and stopped afterwards; a window arm's get none.
func TestReplicaRedisArmSharesOneRedis(t *testing.T) {
	l := &recordingLauncher{}
	cfg := Config{
		Arms:      arms(t, "limiter=window+limiter=redis"),
		Scenarios: []*scenario.Scenario{replicaScenario(t, "")},
		Count:     1,
		Dir:       filepath.Join(t.TempDir(), "run"),
		Launcher:  l,
		Verify:    VerifyOptions{LineWait: time.Second},
	}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	var redisAddrs []string
	for _, s := range l.starts {
		switch {
		case s.arm == "limiter:redis" && len(s.flags) > 2: // a replica (verify starts with -rate-limit 10 only)
			if !s.redisUp {
				t.Errorf("replica started with %v: its -redis-addr did not answer PING", s.flags)
			}
			redisAddrs = append(redisAddrs, s.redisArg)
		case s.redisArg != "":
			t.Errorf("%s started with %v", s.arm, s.flags)
		}
	}
	if len(redisAddrs) != 3 || redisAddrs[0] == "" || redisAddrs[1] != redisAddrs[0] || redisAddrs[2] != redisAddrs[0] {
		t.Fatalf("redis replicas' -redis-addr %q, want one address shared by 3", redisAddrs)
	}
	if err := ping(redisAddrs[0]); err == nil {
		t.Errorf("the shared redis-server %s still answers after the run", redisAddrs[0])
	}
	left, _ := filepath.Glob(filepath.Join(cfg.Dir, "servers", "*-redis-*"))
	if len(left) != 0 {
		t.Errorf("shared redis working directories left: %v", left)
	}
}

// A remote target cannot start replicas: the scenario is skipped with a note.
func TestReplicaScenarioSkippedRemotely(t *testing.T) {
	l := &recordingLauncher{}
	cfg := Config{
		Arms: arms(t, "phase3"), Scenarios: []*scenario.Scenario{tinyScenario(t, "one", ""), replicaScenario(t, "")}, Count: 1,
		Dir: filepath.Join(t.TempDir(), "run"), Launcher: l, Remote: true, Verify: VerifyOptions{LineWait: time.Second},
	}
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range run.Trials {
		if tr.Scenario == "fleet" {
			t.Fatalf("replica trial ran remotely: %+v", tr)
		}
	}
	if !slices.ContainsFunc(run.Meta.Notes, func(n string) bool { return strings.Contains(n, "fleet needs 3 replicas") }) {
		t.Fatalf("notes %q", run.Meta.Notes)
	}
	if len(l.starts) != 2 { // verify + the single-server group
		t.Fatalf("%d starts", len(l.starts))
	}
}

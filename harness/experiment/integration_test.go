package experiment

import (
	"testing"
	"time"

	"metricstream/harness/scenario"
)

// End to end against the real server: build one variant with its tags, then
// verify, measure one tiny scenario once, SIGTERM and check integrity.
func TestRealServerEndToEnd(t *testing.T) {
	sc, err := scenario.Parse("tiny.json", []byte(`{"name":"tiny","about":"e2e","model":"closed","clients":4,"requests":3,"batch":5,"keepalive":false,"warmup":"1ms","slo":["success >= 99%"]}`))
	if err != nil {
		t.Fatal(err)
	}
	run := runBuilt(t, "phase3", sc)
	c := run.Checks[0]
	if !c.Verified || !c.Intact || c.Failed != "" || c.Acked < 12*5 {
		t.Fatalf("check %+v", c)
	}
	if len(run.Trials) != 1 || run.Trials[0].Counts.Status2xx != 12 || run.Trials[0].Acked != 60 {
		t.Fatalf("trials %+v", run.Trials)
	}
}

// Three real replicas per arm: with limiter=window each replica admits a
// client's quota (every request, as each replica sees only its share); with
// limiter=redis the replicas share one redis-server and the fleet admits
// the quota once.
func TestRealReplicasShareRedisQuota(t *testing.T) {
	// 2 clients × 15 requests over 3 replicas: 5 per client per replica,
	// exactly the per-replica limit
	sc, err := scenario.Parse("fleet.json", []byte(`{"name":"fleet","about":"e2e","model":"closed","clients":2,"requests":15,"replicas":3,"server":{"rate_limit":5}}`))
	if err != nil {
		t.Fatal(err)
	}
	run := runBuilt(t, "limiter=window+limiter=redis", sc)
	for _, c := range run.Checks {
		if !c.Verified || !c.Intact || c.Failed != "" {
			t.Fatalf("check %+v", c)
		}
	}
	if len(run.Trials) != 2 {
		t.Fatalf("trials %+v", run.Trials)
	}
	for _, tr := range run.Trials {
		if tr.Replicas != 3 || tr.Counts.Total() != 30 {
			t.Fatalf("%s: replicas %d, counts %+v", tr.Variant, tr.Replicas, tr.Counts)
		}
		switch tr.Variant {
		case "phase6": // limiter=window is the default, so the preset's name
			if tr.Counts.Status2xx != 30 {
				t.Errorf("window replicas admitted %d of 30, want all (each replica sees 5 per client)", tr.Counts.Status2xx)
			}
		case "limiter:redis":
			// the fleet's quota: 5 per client per second; a trial that took
			// longer than a second (a loaded machine) may admit a second
			// quota, never a replica's worth more
			secs := int64(time.Duration(tr.DurationNS)/time.Second) + 1
			if got := tr.Counts.Status2xx; got < 10 || got > 10*secs || (secs == 1 && got != 10) {
				t.Errorf("redis replicas admitted %d in %v, want 10 per started second (2 clients × 5)", got, time.Duration(tr.DurationNS))
			}
			if tr.Counts.Status429 != 30-tr.Counts.Status2xx {
				t.Errorf("redis counts %+v: the rest must be 429", tr.Counts)
			}
		default:
			t.Fatalf("variant %s", tr.Variant)
		}
	}
}

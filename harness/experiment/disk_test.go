package experiment

import (
	"strings"
	"testing"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// diskOfTrial fails t when tr is not a disk-fault trial of kind.
func diskOfTrial(t *testing.T, tr results.Trial, kind string) *results.DiskFault {
	t.Helper()
	if tr.Kind != kind || tr.Fault == nil || tr.Fault.Disk == nil {
		t.Fatalf("%s trial: kind %q fault %+v", kind, tr.Kind, tr.Fault)
	}
	return tr.Fault.Disk
}

// diskFull is a short disk-full scenario: 4 clients, 10-metric batches.
const diskFull = `{"name":"df","about":"t","kind":"disk-full","model":"closed","clients":4,"batch":10,"duration":"2s","server":{"rate_limit":0}}`

// The data file's disk fills under a real server (RLIMIT_FSIZE on the
// running process) and gets room again, for the async (optimized) and
// sync writers: 503s while it is full, 2xx again within a second of the
// lift, exit 0 after SIGTERM and every acknowledged metric in the file.
func TestDiskFullRealServer(t *testing.T) {
	run := runBuilt(t, "optimized writer=sync", parseScenario(t, "df", diskFull))
	noProblems(t, run, "disk-full")
	if len(run.Trials) != 2 {
		t.Fatalf("%d trials, want 2", len(run.Trials))
	}
	for i, tr := range run.Trials {
		d := diskOfTrial(t, tr, "disk-full")
		want := "async" // the rounds' order is random: name the writer by the arm
		if strings.Contains(tr.Variant, "sync") && !strings.Contains(tr.Variant, "async") {
			want = "sync"
		}
		if d.Writer != want {
			t.Errorf("trial %d: writer %q, want %q", i, d.Writer, want)
		}
		if d.RoomBytes != scenario.DiskRoom || d.FilledAtNS <= 0 || d.FullNS < int64(scenario.DiskFullFor) || d.Full == nil || d.Full.Status503 == 0 {
			t.Errorf("trial %d (%s): full phase %+v, counts %+v", i, d.Writer, d, d.Full)
		}
		if d.FirstOKNS < 0 || d.FirstOKNS > int64(time.Second) {
			t.Errorf("trial %d (%s): first 2xx %v after the lift, want within 1 s", i, d.Writer, time.Duration(d.FirstOKNS))
		}
		if tr.Lost != 0 || tr.Acked == 0 || d.Landed != tr.Acked || d.ExitCode != 0 {
			t.Errorf("trial %d (%s): acked %d landed %d lost %d exit %d", i, d.Writer, tr.Acked, d.Landed, tr.Lost, d.ExitCode)
		}
		if d.RSSPeakBytes <= 0 || d.HealthSamples < 2 || d.DegradedSamples == 0 {
			t.Errorf("trial %d (%s): memory and /health samples %+v", i, d.Writer, d)
		}
		if tr.Refused503Pct() <= 0 || tr.Latency.P99 <= 0 {
			t.Errorf("trial %d (%s): 503 share %.1f%%, p99 of the accepted %v", i, d.Writer, tr.Refused503Pct(), time.Duration(tr.Latency.P99))
		}
	}
	l := results.BenchLine(&run.Trials[0])
	for _, u := range []string{" lost-metrics", " refused-503-%", " rss-peak-bytes"} {
		if !strings.Contains(l, u) {
			t.Errorf("bench line lacks%s: %s", u, l)
		}
	}
}

// The seed's unbounded writer acknowledges on enqueue and drops a batch
// whose write fails: on a full disk the trial measures the loss (and the
// problem says so) where the corrected writers lose nothing.
func TestDiskFullUnboundedLoses(t *testing.T) {
	run := runBuilt(t, "writer=unbounded", parseScenario(t, "df", diskFull))
	if len(run.Trials) != 1 {
		t.Fatalf("%d trials, want 1", len(run.Trials))
	}
	tr := run.Trials[0]
	d := diskOfTrial(t, tr, "disk-full")
	if d.Writer != "unbounded" || tr.Lost == 0 || d.FilledAtNS <= 0 || d.DegradedSamples == 0 {
		t.Errorf("unbounded on a full disk: lost %d, %+v", tr.Lost, d)
	}
	if tr.Counts.Status503 != 0 {
		t.Errorf("unbounded refused %d requests: it acknowledges everything it queues", tr.Counts.Status503)
	}
	found := false
	for _, s := range run.Checks[0].Steps {
		found = found || strings.HasPrefix(s.Name, "disk-full")
	}
	if !found {
		t.Errorf("no problem step for the loss: %+v", run.Checks[0].Steps)
	}
}

// Every write waits 20 ms: the sync writer's requests each wait at least
// one write; nothing is lost by either writer.
func TestDiskSlowRealServer(t *testing.T) {
	sc := parseScenario(t, "ds", `{"name":"ds","about":"t","kind":"disk-slow","model":"closed","clients":4,"batch":10,"duration":"600ms","steps":[0,20],"server":{"rate_limit":0}}`)
	run := runBuilt(t, "writer=sync optimized", sc)
	noProblems(t, run, "disk-slow")
	if len(run.Trials) != 4 {
		t.Fatalf("%d trials, want 4", len(run.Trials))
	}
	for i, tr := range run.Trials {
		d := diskOfTrial(t, tr, "disk-slow")
		want := []time.Duration{0, 0, 20 * time.Millisecond, 20 * time.Millisecond}[i]
		if time.Duration(d.WriteDelayNS) != want || tr.Step != []string{"delay=0ms", "delay=20ms"}[i/2] {
			t.Errorf("trial %d: step %q delay %v, want %v", i, tr.Step, time.Duration(d.WriteDelayNS), want)
		}
		if tr.Lost != 0 || tr.Acked == 0 || d.Landed != tr.Acked || d.ExitCode != 0 || d.RSSPeakBytes <= 0 {
			t.Errorf("trial %d (%s): acked %d landed %d lost %d exit %d rss %d", i, d.Writer, tr.Acked, d.Landed, tr.Lost, d.ExitCode, d.RSSPeakBytes)
		}
		if d.Writer == "sync" && time.Duration(tr.Latency.P50) < want {
			t.Errorf("trial %d: sync p50 %v with every write delayed %v", i, time.Duration(tr.Latency.P50), want)
		}
	}
}

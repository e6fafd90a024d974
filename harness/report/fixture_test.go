package report

import (
	"encoding/base64"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/results"
	"metricstream/variants"
)

var update = flag.Bool("update", false, "rewrite testdata/run and the golden files")

// fixtureDir holds the small fixed run the tests read. It is written by
// genFixture with -update and is then read back like any run.
var fixtureDir = filepath.Join("testdata", "run")

var writeOnce sync.Once

// fixture returns the stored test run, regenerating it first with -update.
func fixture(t *testing.T) *results.Run {
	t.Helper()
	var werr error
	if *update {
		writeOnce.Do(func() { werr = results.Write(genFixture(fixtureDir)) })
	}
	if werr != nil {
		t.Fatal(werr)
	}
	run, err := results.Read(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// model is how a fake variant behaves.
type model struct {
	label, preset string
	latencyMS     float64 // median latency at 100 clients
	lossPerClient float64 // success lost per client, in %
	tput          float64 // throughput at 100 clients
	capacity      float64 // open loop: requests/s before saturation
}

var fixtureModels = []model{
	{"phase2", "phase2", 4, 0.6, 1500, 2500},
	{"phase3", "phase3", 1.5, 0.15, 4000, 5000},
	{"phase3#2", "phase3", 1.5, 0.15, 4000, 5000},
}

// genFixture builds a small deterministic run: three variants (phase2,
// phase3 and an A/A arm phase3#2); a closed-loop seed-100x10 with 10 trials
// per variant; a closed-loop scenario stepped by clients with 6 trials per
// cell; an open-loop ramp stepped by rate, with SLOs, with 3 trials per cell.
func genFixture(dir string) *results.Run {
	rng := rand.New(rand.NewPCG(1, 2))
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &results.Run{Dir: dir, Meta: results.Meta{
		RunID: "20260102-030405", Date: date, GoVersion: "go1.26.8", GOOS: "linux", GOARCH: "amd64",
		GOMAXPROCS: 2, NumCPU: 2, CPUModel: "Test CPU @ 2.0GHz", Kernel: "6.1.0", Commit: "abc1234",
		Pinning: "server=cpu0 generator=cpu1", Count: 10, Scenarios: []string{"seed-100x10", "steps", "ramp"},
	}}
	for _, m := range fixtureModels {
		s, _ := variants.Parse(m.preset)
		run.Meta.Variants = append(run.Meta.Variants, results.Variant{Label: m.label, Spec: s.String(), Preset: m.preset, Tags: s.Tags(), Set: s})
	}
	start := date
	add := func(t results.Trial) {
		t.Start = start
		start = start.Add(time.Second)
		run.Trials = append(run.Trials, t)
	}
	noise := func(sd float64) float64 { return rng.NormFloat64() * sd }
	// Closed loop.
	closed := func(scenario, step string, clients, n int) {
		for i := 0; i < n; i++ {
			for _, m := range fixtureModels { // variants interleaved
				load := float64(clients) / 100
				lat := m.latencyMS * math.Pow(load, 0.7) * (1 + noise(0.05))
				succ := math.Max(0, math.Min(100, 100-m.lossPerClient*float64(clients)+noise(1.5)))
				t := trial(rng, scenario, step, m.label, i, "closed", clients, 0, lat, succ, m.tput*math.Pow(load, 0.3)*(1+noise(0.03)))
				add(t)
			}
		}
	}
	closed("seed-100x10", "", 100, 10)
	for _, c := range []int{10, 50, 100} {
		closed("steps", fmt.Sprintf("clients=%d", c), c, 6)
	}
	// Open loop, stepped by rate, with SLOs.
	for _, rate := range []float64{1000, 2000, 4000} {
		for i := 0; i < 3; i++ {
			for _, m := range fixtureModels {
				util := rate / m.capacity
				lat := m.latencyMS / 8 / math.Max(0.05, 1-util) * (1 + noise(0.05))
				if util >= 1 {
					lat = 200 * (1 + noise(0.05))
				}
				achieved := math.Min(rate, m.capacity) * (1 + noise(0.01))
				succ := 100*math.Min(1, m.capacity/rate) - math.Abs(noise(0.2))
				t := trial(rng, "ramp", fmt.Sprintf("rate=%g", rate), m.label, i, "open", 64, rate, lat, succ, achieved)
				t.SLO = []results.SLOResult{
					{Expr: "success >= 99%", Value: t.SuccessPct, Pass: t.SuccessPct >= 99},
					{Expr: "p99 <= 10ms", Value: float64(t.Latency.P99) / 1e6, Pass: t.Latency.P99 <= 10e6},
				}
				add(t)
			}
		}
	}
	run.Checks = []results.Check{
		{Variant: "phase2", Verified: true, Intact: true, Acked: 120000, Lines: 120000, Steps: []results.Step{
			{Name: "health reports variant", OK: true, Detail: "phase2"}, {Name: "bad input gets 400", OK: true}, {Name: "integrity", OK: true, Detail: "120000 acked = 120000 lines"}}},
		{Variant: "phase3", Verified: true, Intact: true, Acked: 250000, Lines: 250000, Steps: []results.Step{
			{Name: "health reports variant", OK: true, Detail: "phase3"}, {Name: "bad input gets 400", OK: true}, {Name: "integrity", OK: true, Detail: "250000 acked = 250000 lines"}}},
		{Variant: "phase3#2", Verified: true, Intact: false, Acked: 250000, Lines: 249999, Partial: 1, ExitCode: 0, Failed: "acked 250000 metrics but found 249999 complete lines and 1 torn line", Steps: []results.Step{
			{Name: "health reports variant", OK: true, Detail: "phase3"}, {Name: "bad input gets 400", OK: true}, {Name: "integrity", OK: false, Detail: "250000 acked, 249999 lines, 1 torn"}}},
	}
	return run
}

// trial makes one trial with 400 recorded latencies around latMS (log-normal
// with a tail), encoded as an HDR histogram, and the summary fields derived
// from it.
func trial(rng *rand.Rand, scenario, step, variant string, i int, mdl string, clients int, rate, latMS, succ, tput float64) results.Trial {
	h := hdrhistogram.New(1000, 60e9, 3)
	for j := 0; j < 400; j++ {
		v := latMS * 1e6 * math.Exp(0.4*rng.NormFloat64())
		if rng.IntN(200) == 0 {
			v *= 8 // tail
		}
		_ = h.RecordValue(int64(v))
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		panic(err)
	}
	total := int64(400)
	ok := int64(math.Round(float64(total) * succ / 100))
	succ = float64(ok) / float64(total) * 100
	return results.Trial{
		Scenario: scenario, Variant: variant, Trial: i, Step: step, Model: mdl, Clients: clients,
		Requests: 10, OfferedRate: rate, Batch: 10, KeepAlive: true, DurationNS: int64(time.Second),
		Counts: results.Counts{Status2xx: ok, Status429: (total - ok) / 2, Timeout: total - ok - (total-ok)/2},
		Acked:  ok * 10, Throughput: math.Round(tput*10) / 10, SuccessPct: succ,
		Latency: results.Latency{Mean: math.Round(h.Mean()), P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90),
			P99: h.ValueAtQuantile(99), P999: h.ValueAtQuantile(99.9), Max: h.Max()},
		HDR: base64.StdEncoding.EncodeToString(enc),
	}
}

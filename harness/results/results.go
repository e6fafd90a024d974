// Package results defines the files a lab run leaves in results/<run-id>/ and
// reads and writes them. Results are files so that any report can be rebuilt
// later and runs from several generator hosts can be merged.
//
// A run directory holds:
//
//	meta.json     Meta: environment, variants, scenarios, trial count
//	trials.jsonl  one Trial per line, in the order they ran
//	verify.json   []Check: per variant, verification and integrity
//	bench.txt     Go benchmark format, one line per trial (see BenchName)
//	profiles/     optional pprof files (cpu, mutex, block) per variant/scenario
package results

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"metricstream/internal/stages"
)

// File names inside a run directory.
const (
	MetaFile   = "meta.json"
	TrialsFile = "trials.jsonl"
	VerifyFile = "verify.json"
	BenchFile  = "bench.txt"
)

// TrialsGzFile is TrialsFile gzipped, as a run stored in the repository
// keeps it (docs/runs/); Read takes either.
const TrialsGzFile = TrialsFile + ".gz"

// Meta describes a run and the machine it ran on.
type Meta struct {
	RunID      string    `json:"run_id"`
	Date       time.Time `json:"date"`
	GoVersion  string    `json:"go_version"`
	GOOS       string    `json:"goos"`
	GOARCH     string    `json:"goarch"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	NumCPU     int       `json:"num_cpu"`
	CPUModel   string    `json:"cpu_model"`
	Kernel     string    `json:"kernel"`
	Commit     string    `json:"commit"`
	Pinning    string    `json:"pinning"` // e.g. "server=cpu0 generator=cpu1" or "none"
	Count      int       `json:"count"`   // trials per (scenario, step, variant) cell
	Scenarios  []string  `json:"scenarios"`
	Stages     string    `json:"stages,omitempty"`
	Variants   []Variant `json:"variants"`
	Target     string    `json:"target,omitempty"` // remote HOST:PORT when the server was not built here
	Hosts      []string  `json:"hosts,omitempty"`  // generator hosts merged into this run
	Notes      []string  `json:"notes,omitempty"`  // e.g. what verification was reduced to for a remote target
	// Targets maps a scenario to the journey dimension it is built to
	// expose (its "targets" field: parser, writer, lock, metrics,
	// executor, limiter), for the report's "what each step buys".
	Targets map[string]string `json:"targets,omitempty"`
	// Order is how the arms were ordered within each round: "random"
	// (a fresh permutation per round from OrderSeed), "balanced" (a
	// Latin square / ABBA over the arms, so each arm holds each position
	// equally often), or "" for runs older than the field (fixed order:
	// the arms always ran in Variants order). Trial.Position records each
	// trial's place.
	Order     string `json:"order,omitempty"`
	OrderSeed uint64 `json:"order_seed,omitempty"`
	// Duet is set when pairs of arms ran at the same time on the same
	// machine (lab compare -duet): each round's trials of the two arms
	// share one send window, and Trial.Windows holds both arms' counts per
	// short window.
	Duet bool `json:"duet,omitempty"`
	// Stop is how a sequential run (lab compare -precision) ended; nil for
	// a run of a fixed Count. Count is then the rounds it ran.
	Stop *StopInfo `json:"stop,omitempty"`
}

// StopInfo is how a sequential run ended: after how many rounds, why
// ("rule": its stop rule said the run knows what it was asked; "budget":
// one more round would have overrun the budget; "max-rounds";
// "interrupted"), and the rule's last report.
type StopInfo struct {
	Rule      string `json:"rule,omitempty"` // what the rule asks, e.g. "req/s within ±3%"
	Rounds    int    `json:"rounds"`
	Reason    string `json:"reason"`
	Report    string `json:"report,omitempty"`
	BudgetNS  int64  `json:"budget_ns,omitempty"`
	ElapsedNS int64  `json:"elapsed_ns"`
}

// Variant is one arm of a run. Label is unique within a run ("phase3", or
// "phase3#2" for the second arm of an A/A run).
type Variant struct {
	Label  string            `json:"label"`
	Spec   string            `json:"spec"`   // canonical spec, parser=fsm,writer=async,...
	Preset string            `json:"preset"` // preset name when Spec equals one, else ""
	Tags   string            `json:"tags"`   // build tags
	Set    map[string]string `json:"set"`    // dimension -> variant
}

// Counts are request outcomes by class. Success = Status2xx (within the timeout).
type Counts struct {
	Status2xx int64 `json:"2xx"`
	Status400 int64 `json:"400"`
	Status429 int64 `json:"429"`
	Status503 int64 `json:"503"`
	Other     int64 `json:"other"`      // any other status
	Timeout   int64 `json:"timeout"`    // no answer within the per-request timeout
	ConnError int64 `json:"conn_error"` // connect/write/read failure
	Late      int64 `json:"late"`       // open loop: could not be sent at its intended time (still counted in latency from intended time)
}

// Total is the number of requests attempted.
func (c Counts) Total() int64 {
	return c.Status2xx + c.Status400 + c.Status429 + c.Status503 + c.Other + c.Timeout + c.ConnError
}

// Latency summarises a trial's latency in nanoseconds (from the intended
// send time in open-loop trials, so coordinated omission is corrected).
type Latency struct {
	Mean float64 `json:"mean_ns"`
	P50  int64   `json:"p50_ns"`
	P90  int64   `json:"p90_ns"`
	P99  int64   `json:"p99_ns"`
	P999 int64   `json:"p999_ns"`
	Max  int64   `json:"max_ns"`
}

// SLOResult is one threshold of a scenario checked against one trial.
type SLOResult struct {
	Expr  string  `json:"expr"` // e.g. "success >= 99%", "p99 <= 5ms"
	Value float64 `json:"value"`
	Pass  bool    `json:"pass"`
}

// Trial is one measurement of one variant under one load step of one scenario.
type Trial struct {
	Scenario string `json:"scenario"`
	Variant  string `json:"variant"` // Variant.Label
	Trial    int    `json:"trial"`   // 0..Count-1
	// Step names the load step for stepped scenarios as a benchfmt key=value,
	// e.g. "clients=100" or "rate=5000"; "" for single-step scenarios.
	Step string `json:"step,omitempty"`

	Model       string  `json:"model"` // "closed" or "open"
	Clients     int     `json:"clients"`
	Requests    int     `json:"requests,omitempty"`     // closed: per client
	OfferedRate float64 `json:"offered_rate,omitempty"` // open: requests/s offered
	Batch       int     `json:"batch"`                  // metrics per request
	KeepAlive   bool    `json:"keep_alive"`
	// Replicas is how many server instances of the variant the trial's
	// clients spread their requests over (scenario field replicas); 0 or 1:
	// one server.
	Replicas int `json:"replicas,omitempty"`
	// RateLimit is the per-client limit (requests/s) each replica was
	// started with, recorded for replica trials whose scenario sets it, so
	// the admitted rate per client can be read against it (the overshoot).
	RateLimit int `json:"rate_limit,omitempty"`

	// Position is the trial's place in its round (0: the first arm to
	// run in that round). A round is one pass over every arm for one
	// (scenario, step); Trial (the index) numbers the rounds.
	Position int `json:"position"`
	// DuetWith is the label of the arm this trial ran beside, at the same
	// time (Meta.Duet); "" for sequential trials.
	DuetWith string `json:"duet_with,omitempty"`

	Start      time.Time `json:"start"`
	DurationNS int64     `json:"duration_ns"`
	// WindowNS is the send window: from the first scheduled send to the
	// end of the schedule (open loop) or to the last answer received in
	// time (closed loop: a closed client sends when it is answered, so the
	// last answer ends its sending; a timeout or failure after it is drain).
	// Throughput counts 2xx answers to requests sent in the window over
	// WindowNS; 0 in runs older than the field (Throughput then divides by
	// DurationNS, drain included).
	WindowNS int64 `json:"window_ns,omitempty"`
	// DrainNS is the time from the end of the send window to the last
	// answer or timeout: its own figure, never inside a rate.
	DrainNS int64 `json:"drain_ns,omitempty"`
	// SentRate is requests actually sent per second of the window (open
	// loop; below OfferedRate when the generator fell behind).
	SentRate float64 `json:"sent_rate,omitempty"`
	// GeneratorLimited is set when the generator could not keep its
	// schedule: it delayed more than 1% of the sends by more than 5 ms
	// although a connection was free (GeneratorLate; a send waiting for a
	// busy connection is the server's backlog, in Counts.Late and
	// ConnsBusy): the trial measured the generator as much as the server.
	// Open loop only. A capacity search judges its points itself
	// (CapacityPoint.GeneratorLimited, Capacity.GeneratorLimited): its
	// trial never carries the flag.
	GeneratorLimited bool `json:"generator_limited,omitempty"`
	// GeneratorLate is how many sends the generator itself delayed beyond
	// its tolerance (open loop: the client was free and the request due,
	// yet it began more than 5 ms later); GeneratorLimited is set when
	// they are more than 1% of the sends.
	GeneratorLate int64 `json:"generator_late,omitempty"`
	// GeneratorDelayP99NS is the 99th percentile of the generator's own
	// delays of its sends (open loop; power-of-two buckets, so within a
	// factor 2 above): above 5 ms, the trial is GeneratorLimited.
	GeneratorDelayP99NS int64 `json:"generator_delay_p99_ns,omitempty"`
	// ConnsBusy is the connections in use on average over the send window
	// (open loop; Little's law: requests begun in the window × the mean
	// time each held its connection, over the window). Near Clients, the
	// connections were the bound: the late sends (Counts.Late) were
	// waiting for a free connection, because the server was slow (past
	// its capacity, every open load ends there) or the connections too
	// few for the server's latency at that rate.
	ConnsBusy float64 `json:"conns_busy,omitempty"`
	// Windows are the trial's counts per short window of its send window
	// (duet trials, and any trial asked for them): the paired analysis of
	// a duet takes the ratio of the two arms window by window.
	Windows []Window `json:"windows,omitempty"`
	Counts  Counts   `json:"counts"`
	Acked   int64    `json:"acked_metrics"` // metrics in 2xx answers
	// Throughput is successful (2xx) requests per second: the 2xx answers
	// to requests sent in the send window over WindowNS (runs older than
	// WindowNS: over DurationNS).
	Throughput float64     `json:"throughput"`
	SuccessPct float64     `json:"success_pct"`
	Latency    Latency     `json:"latency"`
	HDR        string      `json:"hdr"` // hdrhistogram-go V2 compressed encoding (Histogram.Encode), base64; latency in ns of all answered requests and (since WindowNS) of every timed-out one, at the time it was given up
	SLO        []SLOResult `json:"slo,omitempty"`
	Host       string      `json:"host,omitempty"` // generator host, for merged runs
	// Stages is where the server's time went during the trial: the
	// difference of its /health "stages" snapshot (internal/stages) read
	// before and after the trial, summed over replicas; nil when the
	// server was not started with -stages or does not serve it.
	Stages *stages.Snapshot `json:"stages,omitempty"`
	// GeneratorCPUNS is the CPU time (user and system) the load generator
	// (the lab process) used during the trial; with Stages.CPUNS it says
	// how busy the machine was. 0: not measured.
	GeneratorCPUNS int64 `json:"generator_cpu_ns,omitempty"`
	// MachineBusy is the share of the machine's CPU time that was not idle
	// during the trial (/proc/stat: every process, the kernel and its
	// interrupts; steal counted busy); 0: not measured (a remote server).
	MachineBusy float64 `json:"machine_busy,omitempty"`

	// Durability trials (scenario kind "shutdown" or "crash") only.
	Kind      string `json:"kind,omitempty"`       // "shutdown" or "crash"
	Lost      int64  `json:"lost_metrics"`         // acknowledged metrics missing from the file after restart
	Torn      int64  `json:"torn_lines,omitempty"` // partial last lines found before the restart (repaired by it)
	RestartOK bool   `json:"restart_ok,omitempty"` // the server restarted on the file and stopped cleanly

	// Fault trials (scenario kind "slowloris" or "overload") only; Kind
	// says which, and Lost is then max(0, acknowledged − lines in the file).
	Fault *FaultStats `json:"fault,omitempty"`
	// Capacity trials (scenario kind "capacity") only: the search
	// (capacity.go).
	Capacity *CapacityStats `json:"capacity,omitempty"`
	// CPUs is how many cores the server was pinned to (lab experiment
	// -cpus; GOMAXPROCS set to match); 0: not limited. The step name then
	// starts with cpus=N.
	CPUs int `json:"cpus,omitempty"`
	// Seed-design trials (Trial.Kind "seed-…") only.
	Seed *SeedStats `json:"seed,omitempty"`
}

// Window is one short window of a trial's send window.
type Window struct {
	StartNS   int64 `json:"start_ns"` // from the trial's Start
	Sent      int64 `json:"sent"`
	Status2xx int64 `json:"2xx"`
	P99NS     int64 `json:"p99_ns,omitempty"`
}

// FaultStats is what a fault trial measured beyond its load. A slowloris
// trial fills the attacker fields, an overload trial the capacity and
// recovery fields; zero fields are left out of the JSON.
type FaultStats struct {
	// Slowloris: the attack beside the honest load the trial records.
	HeaderTimeoutNS int64 `json:"header_timeout_ns,omitempty"` // the server's -header-timeout
	Attackers       int   `json:"attackers,omitempty"`         // hostile connections asked for
	Connected       int   `json:"connected,omitempty"`         // of them, connected and sent their first byte
	// ClosedInTime is how many connected attackers the server closed within
	// header timeout + 1 s of their first byte (the criterion of docs/faults.md).
	ClosedInTime   int   `json:"closed_in_time,omitempty"`
	SlowestCloseNS int64 `json:"slowest_close_ns,omitempty"` // longest first byte → close among those closed

	// Overload: the open-loop phase the trial records ran at
	// OfferedRate = 5 × CapacityRPS; latency is of 2xx answers only.
	CapacityRPS float64 `json:"capacity_rps,omitempty"` // capacity at SLO found by a capacity search (success ≥ 99%, p99 ≤ 100ms)
	// AchievedRPS is the requests per second the generator actually sent
	// in the overload phase's send window (Trial.SentRate; runs before
	// WindowNS: every outcome completed per second of wall time, about 1×
	// capacity by construction); below OfferedRate when it could not keep
	// the schedule (Counts.Late, Trial.GeneratorLimited).
	AchievedRPS float64 `json:"achieved_rps,omitempty"`
	// RecoveryNS is the time from the start of the recovery phase (0.5 ×
	// capacity) to the last 503 answered in it; 0 when it had none.
	RecoveryNS  int64 `json:"recovery_ns,omitempty"`
	Recovery503 int64 `json:"recovery_503,omitempty"`     // 503 answers in the recovery phase
	AckedAll    int64 `json:"acked_all_phases,omitempty"` // metrics acknowledged over probe, overload and recovery
	// NotRun says why the overload and recovery phases did not run: the
	// capacity search was censored (Trial.Capacity.Censored), so there
	// was no capacity to multiply and no recovery verdict to give.
	NotRun string `json:"not_run,omitempty"`

	// Net: a network-fault trial (redis-latency, redis-outage,
	// slow-clients; netfault.go).
	Net *NetFault `json:"net,omitempty"`
	// Disk: a disk-fault trial (disk-full, disk-slow; disk.go).
	Disk *DiskFault `json:"disk,omitempty"`
}

// Late is how many connected slowloris attackers were not closed in time.
func (f *FaultStats) Late() int {
	if f == nil {
		return 0
	}
	return f.Connected - f.ClosedInTime
}

// Check is the verification and integrity verdict for one variant.
type Check struct {
	Variant  string `json:"variant"`
	Verified bool   `json:"verified"`
	Steps    []Step `json:"steps"` // each verification and integrity step
	Acked    int64  `json:"acked_metrics"`
	Lines    int64  `json:"lines"`         // complete lines in the data file after SIGTERM
	Partial  int64  `json:"partial_lines"` // torn lines found
	Intact   bool   `json:"intact"`        // Acked == Lines && Partial == 0 (or the reduced remote check)
	ExitCode int    `json:"exit_code"`
	Failed   string `json:"failed,omitempty"` // why the variant was not measured / is not trusted
}

// Step is one named check with its outcome.
type Step struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	// Cell and Trial say, for a trial's problem, which step of which
	// scenario kind ("disk-full", "redis-latency latency=1ms") and which
	// trial ("d14"); Name is the two together.
	Cell  string `json:"cell,omitempty"`
	Trial string `json:"trial,omitempty"`
}

// BenchName is the benchfmt name of a trial:
//
//	BenchmarkScenario/scenario=<s>[/<step>]/variant=<label>
//
// so `benchstat -col /variant bench.txt` compares variants directly.
func BenchName(t *Trial) string {
	n := "BenchmarkScenario/scenario=" + t.Scenario
	if t.Step != "" {
		n += "/" + t.Step
	}
	return n + "/variant=" + t.Variant
}

// BenchLine is the benchfmt line of a trial, e.g.
//
//	BenchmarkScenario/scenario=seed-100x10/variant=phase3 1 2.1e6 ns/op 97.5 success-% 1.9e6 p50-ns 2.5e6 p99-ns 3e6 p99.9-ns 4100 req/s
//
// ns/op is the mean latency; each unit's better direction is in Units. A
// censored value (TrialUnits) is left out of the line, so benchstat never
// reads a bound as a measurement: a capacity search that never passed
// writes no capacity-req/s rather than 0.
func BenchLine(t *Trial) string {
	var b strings.Builder
	b.WriteString(BenchName(t))
	b.WriteString(" 1")
	for _, u := range TrialUnits(t) {
		if u.Censored {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(u.format())
		b.WriteByte(' ')
		b.WriteString(u.Unit)
	}
	return b.String()
}

// UnitValue is one unit of one trial, as BenchLine writes it.
type UnitValue struct {
	Unit  string
	Value float64
	// Censored: Value is only a bound, never a measurement. A latency
	// quantile q is censored when more than 1 − q of the trial's requests
	// timed out (each timeout is recorded at the timeout, so the quantile
	// is at least that); the mean when any timed out; a kind's unit when
	// its kind says so (CensoredUnits: a capacity search that did not end
	// on a point estimate, an overload recovery measured after one).
	Censored bool
}

func (u UnitValue) format() string {
	switch u.Unit {
	case "ns/op", "success-%", "req/s":
		return strconv.FormatFloat(u.Value, 'g', 6, 64)
	case "p50-ns", "p99-ns", "p99.9-ns":
		return strconv.FormatInt(int64(u.Value), 10)
	}
	return strconv.FormatFloat(u.Value, 'f', -1, 64)
}

// CensoredUnits says, for a kind unit whose value can be a bound rather
// than a measurement, whether it is one in trial t (capacity.go registers
// capacity-req/s and recovery-ns).
var CensoredUnits = map[string]func(t *Trial) bool{}

// TimedOutShare is the share of the trial's requests that timed out.
func (t *Trial) TimedOutShare() float64 {
	n := t.Counts.Total()
	if n <= 0 {
		return 0
	}
	return float64(t.Counts.Timeout) / float64(n)
}

// TrialUnits are the values of every unit of t, in BenchLine's order:
// Units' (mean latency, success, p50, p99, p99.9, throughput), then its
// kind's, each marked when censored.
func TrialUnits(t *Trial) []UnitValue {
	to := t.TimedOutShare()
	out := []UnitValue{
		{"ns/op", t.Latency.Mean, t.Counts.Timeout > 0},
		{"success-%", t.SuccessPct, false},
		{"p50-ns", float64(t.Latency.P50), to > 0.5},
		{"p99-ns", float64(t.Latency.P99), to > 0.01},
		{"p99.9-ns", float64(t.Latency.P999), to > 0.001},
		{"req/s", t.Throughput, false},
	}
	for _, u := range KindUnits[t.Kind] {
		c := CensoredUnits[u.Name]
		out = append(out, UnitValue{u.Name, u.Value(t), c != nil && c(t)})
	}
	return out
}

// Run is everything in one run directory.
type Run struct {
	Dir    string
	Meta   Meta
	Trials []Trial
	Checks []Check
}

// Read loads a run directory.
func Read(dir string) (*Run, error) {
	r := &Run{Dir: dir}
	if err := readJSON(filepath.Join(dir, MetaFile), &r.Meta); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, VerifyFile), &r.Checks); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, TrialsFile))
	var in io.Reader = f
	if os.IsNotExist(err) {
		if f, err = os.Open(filepath.Join(dir, TrialsGzFile)); err == nil {
			if in, err = gzip.NewReader(f); err != nil {
				f.Close()
				return nil, fmt.Errorf("results: %s: %w", filepath.Join(dir, TrialsGzFile), err)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var t Trial
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return nil, fmt.Errorf("results: %s line %d: %w", filepath.Join(dir, TrialsFile), line, err)
		}
		r.Trials = append(r.Trials, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return r, nil
}

// Write stores r in r.Dir (created if needed): meta.json, trials.jsonl,
// verify.json and bench.txt.
func Write(r *Run) error {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := writeJSON(filepath.Join(r.Dir, MetaFile), r.Meta); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(r.Dir, VerifyFile), r.Checks); err != nil {
		return err
	}
	tf, err := os.Create(filepath.Join(r.Dir, TrialsFile))
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	bw := bufio.NewWriter(tf)
	enc := json.NewEncoder(bw)
	for i := range r.Trials {
		if err := enc.Encode(&r.Trials[i]); err != nil {
			tf.Close()
			return fmt.Errorf("results: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		tf.Close()
		return fmt.Errorf("results: %w", err)
	}
	if err := tf.Close(); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return os.WriteFile(filepath.Join(r.Dir, BenchFile), []byte(BenchText(r)), 0o644)
}

// Unit is one measurement unit of BenchLine, with the direction that is an
// improvement. BenchText writes the direction as benchfmt unit metadata
// ("Unit req/s better=higher"), so readers take it from the data.
type Unit struct {
	Name   string // as written in bench.txt, e.g. "success-%"
	Label  string // as said in verdicts, e.g. "success"
	Better string // "higher" or "lower"
}

// Units are the units every BenchLine writes, in the order reports show
// them.
var Units = []Unit{
	{"success-%", "success", "higher"},
	{"req/s", "throughput", "higher"},
	{"ns/op", "mean latency", "lower"},
	{"p50-ns", "p50 latency", "lower"},
	{"p99-ns", "p99 latency", "lower"},
	{"p99.9-ns", "p99.9 latency", "lower"},
}

// KindUnit is an extra unit the trials of one scenario kind carry.
type KindUnit struct {
	Unit
	Value func(t *Trial) float64
}

var (
	lostMetrics = KindUnit{Unit{"lost-metrics", "acknowledged metrics lost", "lower"},
		func(t *Trial) float64 { return float64(t.Lost) }}
	hostileLate = KindUnit{Unit{"hostile-late", "slowloris connections not closed in time", "lower"},
		func(t *Trial) float64 { return float64(t.Fault.Late()) }}
	recoveryNS = KindUnit{Unit{"recovery-ns", "503s after overload", "lower"},
		func(t *Trial) float64 {
			if t.Fault == nil {
				return 0
			}
			return float64(t.Fault.RecoveryNS)
		}}
)

// KindUnits are the extra units of each trial kind (Trial.Kind; a new kind
// adds its entry here), in the order BenchLine writes them: every kind but
// load counts the acknowledged metrics it lost.
var KindUnits = map[string][]KindUnit{
	"shutdown":  {lostMetrics},
	"crash":     {lostMetrics},
	"slowloris": {lostMetrics, hostileLate},
	"overload":  {lostMetrics, recoveryNS},
}

// AllUnits are Units, then every kind's units (each once, sorted by kind):
// the units bench.txt declares with their direction.
func AllUnits() []Unit {
	out := slices.Clone(Units)
	seen := map[string]bool{}
	for _, u := range out {
		seen[u.Name] = true
	}
	kinds := slices.Sorted(maps.Keys(KindUnits))
	for _, k := range kinds {
		for _, u := range KindUnits[k] {
			if !seen[u.Name] {
				seen[u.Name] = true
				out = append(out, u.Unit)
			}
		}
	}
	return out
}

// BenchText renders the run as a Go benchmark format file: configuration
// lines from Meta, one unit metadata line per unit (its better
// direction), then one line per trial.
func BenchText(r *Run) string {
	m := r.Meta
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\ncpu: %s\ngomaxprocs: %d\ngo: %s\ncommit: %s\npinning: %s\nrun: %s\n",
		m.GOOS, m.GOARCH, m.CPUModel, m.GOMAXPROCS, m.GoVersion, m.Commit, m.Pinning, m.RunID)
	for _, u := range AllUnits() {
		fmt.Fprintf(&b, "Unit %s better=%s\n", u.Name, u.Better)
	}
	for i := range r.Trials {
		b.WriteString(BenchLine(&r.Trials[i]))
		b.WriteByte('\n')
	}
	return b.String()
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("results: %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

package peers

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// Targets, tools and modes of a peers run.
const (
	NetHTTPNoop   = "nethttp-noop"   // lab noop: a do-nothing net/http handler
	FastHTTPNoop  = "fasthttp-noop"  // lab noop -impl fasthttp
	Reference     = "reference"      // cmd/reference
	Optimized     = "optimized"      // cmd/metricstream, the optimized preset
	OptimizedSync = "optimized-sync" // the same with writer=sync

	Wrk      = "wrk"
	Loadtest = "loadtest" // the lab's generator
	Bench    = "bench"    // the cost model's component benchmarks (BenchmarkCost)

	KeepAlive = "keepalive"
	Close     = "close" // a new connection per request
)

// Targets are the servers in the order they are printed; Ingest those
// that store what they acknowledge (their data files are checked).
var (
	Targets = []string{NetHTTPNoop, FastHTTPNoop, Reference, Optimized, OptimizedSync}
	Ingest  = []string{Reference, Optimized, OptimizedSync}
	Modes   = []string{KeepAlive, Close}
)

// Arm is one cell a round measures: a (target, tool, mode), or the cost
// benchmark (Tool Bench, no target or mode).
type Arm struct {
	Target string `json:"target,omitempty"`
	Tool   string `json:"tool"`
	Mode   string `json:"mode,omitempty"`
}

func (a Arm) String() string {
	if a.Tool == Bench {
		return "cost benchmarks"
	}
	return a.Target + "/" + a.Tool + "/" + a.Mode
}

// Arms are every arm of a round: wrk against every target, the generator
// against both do-nothing targets, in both modes, and the cost benchmark.
func Arms() []Arm {
	var arms []Arm
	for _, m := range Modes {
		for _, t := range Targets {
			arms = append(arms, Arm{t, Wrk, m})
		}
		for _, t := range []string{NetHTTPNoop, FastHTTPNoop} {
			arms = append(arms, Arm{t, Loadtest, m})
		}
	}
	return append(arms, Arm{Tool: Bench})
}

// Run is one arm measured once.
type Run struct {
	Arm
	Round    int `json:"round"`    // from 1
	Position int `json:"position"` // place in its round's order, from 0

	ReqPerS  float64 `json:"req_per_s"`
	P99NS    int64   `json:"p99_ns"`
	Requests int64   `json:"requests"` // requests the tool counted answered
	Errors   int64   `json:"errors"`   // socket errors and non-2xx answers
	WallNS   int64   `json:"wall_ns"`  // the tool's run, start to exit

	// The target process's own counters over the run (/proc/PID/stat and
	// /proc/PID/io, read just before the tool starts and after it exits).
	ServerCPUNS  int64 `json:"server_cpu_ns"`
	ServerReads  int64 `json:"server_reads"`  // read system calls (syscr)
	ServerWrites int64 `json:"server_writes"` // write system calls (syscw)
	// ToolCPUNS is the load tool's CPU time (its rusage).
	ToolCPUNS int64 `json:"tool_cpu_ns"`
	// Dropped is the events the lab server's recorder dropped in the run.
	Dropped int64 `json:"dropped,omitempty"`

	// Stages is the cost benchmark's cpu-ns/op by stage (Tool Bench).
	Stages map[string]float64 `json:"stages,omitempty"`

	// Excluded says why the run does not count ("" = it passed).
	Excluded string `json:"excluded,omitempty"`
}

// Passed reports whether the run counts.
func (r *Run) Passed() bool { return r.Excluded == "" }

// ServerCPUPerReq is the target's CPU time per answered request, ns.
func (r *Run) ServerCPUPerReq() float64 { return perReq(r.ServerCPUNS, r.Requests) }

// ToolCPUPerReq is the load tool's CPU time per answered request, ns.
func (r *Run) ToolCPUPerReq() float64 { return perReq(r.ToolCPUNS, r.Requests) }

// ServerBusy is the share of one core the target used during the run.
func (r *Run) ServerBusy() float64 {
	if r.WallNS <= 0 {
		return math.NaN()
	}
	return float64(r.ServerCPUNS) / float64(r.WallNS)
}

// FileWritesPerReq is the target's write system calls per request beyond
// the one that sends each answer (wrk does not pipeline, so each answer
// is one write): for the lab's server, its data file writes.
func (r *Run) FileWritesPerReq() float64 {
	if r.Requests <= 0 {
		return math.NaN()
	}
	return math.Max(0, float64(r.ServerWrites-r.Requests)/float64(r.Requests))
}

func perReq(ns, n int64) float64 {
	if n <= 0 {
		return math.NaN()
	}
	return float64(ns) / float64(n)
}

// Stage names of the cost model, in the order the request meets them.
var StageNames = []string{"parse", "limit", "record", "respond", "write"}

// StageCost is one stage's CPU per request in the model.
type StageCost struct {
	Name string
	NS   float64
}

// ModelStages turns one cost benchmark run into the model's stages, the
// write stage taken at writesPerReq data file writes a request: the
// benchmark times the write at groups of G batches a write(2), and
// cost(G) = enqueue + write/G is fitted by least squares over its groups
// (gonum stat.LinearRegression on 1/G), then read at 1/G = writesPerReq.
// With writesPerReq unknown (NaN) the write is taken at one write per
// request, the most it can cost.
func ModelStages(stages map[string]float64, writesPerReq float64) ([]StageCost, error) {
	var out []StageCost
	for _, name := range StageNames[:4] {
		v, ok := stages[name]
		if !ok {
			return nil, fmt.Errorf("peers: the cost benchmark has no stage %q", name)
		}
		out = append(out, StageCost{name, v})
	}
	enqueue, perWrite, err := WriteFit(stages)
	if err != nil {
		return nil, err
	}
	g := writesPerReq
	if math.IsNaN(g) {
		g = 1
	}
	return append(out, StageCost{"write", enqueue + perWrite*min(max(g, 0), 1)}), nil
}

// WriteFit fits the write stage's cost(G) = enqueue + perWrite/G over the
// benchmark's "write/group=G" rows.
func WriteFit(stages map[string]float64) (enqueue, perWrite float64, err error) {
	var x, y []float64
	keys := make([]string, 0, len(stages))
	for k := range stages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, ok := strings.CutPrefix(k, "write/group=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(g)
		if err != nil || n < 1 {
			return 0, 0, fmt.Errorf("peers: cost stage %q: bad group", k)
		}
		x = append(x, 1/float64(n))
		y = append(y, stages[k])
	}
	if len(x) < 2 {
		return 0, 0, fmt.Errorf("peers: the cost benchmark has %d write groups, the fit needs 2", len(x))
	}
	enqueue, perWrite = stat.LinearRegression(x, y, nil, false)
	return enqueue, perWrite, nil
}

// Total sums stage costs.
func Total(cs []StageCost) float64 {
	t := 0.0
	for _, c := range cs {
		t += c.NS
	}
	return t
}

package experiment

import (
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/load"
	"metricstream/harness/results"
)

// Fault experiments (scenario kinds "slowloris" and "overload"), the two
// reliability fault scenarios that are measured rather than unit-tested.
// Like a durability trial, each trial is self-contained: it starts a server
// of its own with the scenario's flags, runs the fault, SIGTERMs the server
// and checks its data file against the metrics the trial got acknowledged.
// A failed stop or integrity check is a problem step on the arm's check;
// the trial is still recorded.
//
//   - slowloris: N attacker connections each send a request line and the
//     start of a header, then one byte every slowEvery, and note when the
//     server closes them; meanwhile the scenario's honest closed-loop
//     keep-alive clients run, and the trial records their load. The
//     criterion: every attacker closed within header timeout + 1 s of its
//     first byte, and the honest p99 at most 2× the slowloris=0 step's.
//   - overload: a capacity search (overload.go: overloadObjective) finds
//     the capacity C, an open-loop phase offers 5×C for the
//     scenario's duration (recorded; latency of 2xx answers only), then a
//     recovery phase offers 0.5×C for 3 s and notes the last 503 in it.
//     The criterion: 503s appear, 2xx latency stays bounded, nothing
//     acknowledged is lost, 503s stop within 2 s of the recovery start.

// okHist is an HDR histogram of the latency of 2xx answers only, from
// each request's actual send to the end of its answer.
type okHist struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram // guarded by mu
}

func newOKHist() *okHist { return &okHist{h: results.NewHDR()} }

// Add implements load.Recorder.
func (o *okHist) Add(r *load.Result) {
	if r.Class != load.Class2xx {
		return
	}
	v := int64(r.Latency)
	if !r.Sent.IsZero() {
		v = int64(r.Intended.Add(r.Latency).Sub(r.Sent))
	}
	v = min(v, results.HDRHighest)
	o.mu.Lock()
	_ = o.h.RecordValue(v)
	o.mu.Unlock()
}

// fill replaces t's latency (of every answer) with that of the 2xx answers.
func (o *okHist) fill(t *results.Trial) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t.Latency = results.LatencyOf(o.h)
	t.HDR, _ = results.EncodeHDR(o.h)
}

package stages

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Stage is one step of a request's path through the server, in the order
// a POST /metrics goes through them: the connection's goroutine reads the
// head, decides the rate limit from it (and records the decision), reads
// the body, then hands the request to the executor; parse to respond run
// on whatever goroutine the executor serves it on.
type Stage uint8

// Stages. Their names (String) are what Snapshot, the harness and reports
// use; the numeric values follow the order above and may change with it.
const (
	ReadHeader Stage = iota // request line and headers, from the first byte being there
	RateLimit               // routing, the client's key and limiter.Allow, its lock included (POST /metrics)
	Record                  // the per-client metrics recorder (POST /metrics)
	ReadBody                // the body (Content-Length or chunked), 100 Continue included
	Queue                   // executor hand-off: the pool's wait for a worker token (~0 while one is free; spawn: ~0)
	Parse                   // the JSON parser
	Validate                // metric.ValidateBatch
	Encode                  // metric.AppendBatch: the JSON lines
	Write                   // writer.Append: write (+ flush, fsync) under its mutex, or enqueue
	Respond                 // building and writing the answer
	NumStages               // the number of stages
)

var names = [NumStages]string{"read_header", "rate_limit", "record", "read_body", "queue", "parse", "validate", "encode", "write", "respond"}

// String is the stage's name in JSON and reports ("read_header").
func (s Stage) String() string {
	if s < NumStages {
		return names[s]
	}
	return "stage(" + strconv.Itoa(int(s)) + ")"
}

// ByName is the stage called name.
func ByName(name string) (Stage, bool) {
	for i, n := range names {
		if n == name {
			return Stage(i), true
		}
	}
	return 0, false
}

// Every is a sampling rate: 1 in Every requests is timed; 0 is off. It is
// a flag.Value: "off", "1/64", "1/1" (or "all": every request).
type Every uint64

// Set implements flag.Value.
func (e *Every) Set(s string) error {
	v, err := ParseEvery(s)
	if err == nil {
		*e = v
	}
	return err
}

// String implements flag.Value: "off" or "1/N".
func (e Every) String() string {
	if e == 0 {
		return "off"
	}
	return "1/" + strconv.FormatUint(uint64(e), 10)
}

// ParseEvery reads a sampling rate: "off" (or "" or "0"), "all", or
// "1/N" with N ≥ 1.
func ParseEvery(s string) (Every, error) {
	switch strings.TrimSpace(s) {
	case "", "off", "0":
		return 0, nil
	case "all":
		return 1, nil
	}
	d, ok := strings.CutPrefix(strings.TrimSpace(s), "1/")
	n, err := strconv.ParseUint(d, 10, 32)
	if !ok || err != nil || n == 0 {
		return 0, fmt.Errorf("stages: %q is not a sampling rate: off, all, or 1/N with N >= 1 (1/64: one request in 64)", clip(s))
	}
	return Every(n), nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Timer accumulates the stage times of the sampled requests. A nil *Timer
// or one made with New(0) times nothing. Its methods are safe for
// concurrent use.
type Timer struct {
	every uint64
	now   func() time.Time // time.Now; tests give a clock of fixed steps

	sampled atomic.Uint64
	sum     [NumStages]atomic.Int64  // ns charged to each stage
	count   [NumStages]atomic.Uint64 // marks of each stage
}

// New returns a Timer timing 1 in every requests (0: off).
func New(every Every) *Timer {
	return &Timer{every: uint64(every), now: time.Now}
}

// Every is the timer's sampling rate.
func (t *Timer) Every() Every {
	if t == nil {
		return 0
	}
	return Every(t.every)
}

// Sample is one request's timing. Keep one per connection (reused request
// after request, so timing allocates nothing); a connection serves one
// request at a time, so it needs no lock. The zero value times nothing.
type Sample struct {
	t    *Timer // nil: this request is not timed
	last time.Time
}

// Begin starts s for a new request: timed with probability 1/Every, from
// now. Call it when the request's first byte is there.
func (t *Timer) Begin(s *Sample) {
	s.t = nil
	if t != nil && t.every != 0 { // small enough to inline: off costs a compare
		t.begin(s)
	}
}

func (t *Timer) begin(s *Sample) {
	if t.every > 1 && rand.Uint64N(t.every) != 0 {
		return
	}
	s.t = t
	s.last = t.now()
	t.sampled.Add(1)
}

// Timed reports whether s's request is being timed.
func (s *Sample) Timed() bool { return s.t != nil }

// Mark ends stage st: the time since the previous Mark (or Begin) is
// charged to it. It does nothing when the request is not timed.
func (s *Sample) Mark(st Stage) {
	if s.t != nil { // small enough to inline: an untimed request costs a nil check
		s.mark(st)
	}
}

func (s *Sample) mark(st Stage) {
	now := s.t.now()
	d := now.Sub(s.last)
	s.last = now
	s.t.sum[st].Add(int64(d))
	s.t.count[st].Add(1)
}

// End stops timing s's request; further Marks do nothing until the next
// Begin.
func (s *Sample) End() { s.t = nil }

// StageStat is one stage in a Snapshot.
type StageStat struct {
	Stage string `json:"stage"`
	Count uint64 `json:"count"`  // timed requests that went through the stage
	SumNS int64  `json:"sum_ns"` // time charged to it
	// MeanNS is SumNS/Count: what the stage costs when it runs.
	MeanNS float64 `json:"mean_ns"`
	// PerRequestNS is SumNS/Sampled: what it costs per timed request on
	// average, those that never reach it included (the Amdahl figure).
	PerRequestNS float64 `json:"per_request_ns"`
	// Share is SumNS over all stages' time: the fraction of request time.
	Share float64 `json:"share"`
}

// Snapshot is a Timer's counters, read back. The counters are cumulative
// since the server started; Sub gives an interval.
type Snapshot struct {
	Every   Every  `json:"every"`   // 1 in Every requests timed; 0: off
	Sampled uint64 `json:"sampled"` // requests timed
	TotalNS int64  `json:"total_ns"`
	// MeanNS is TotalNS/Sampled: a timed request's mean time in the
	// server, from its first byte to its answer written.
	MeanNS float64     `json:"mean_request_ns"`
	Stages []StageStat `json:"stages"` // every stage, in Stage order
	// CPUNS is the serving process's user and system CPU time at the
	// reading (ProcessCPU; the server sets it); after Sub, the CPU it used
	// between the two readings. Wall time by stage says where a request
	// waited; CPU time says whether the machine was the limit. 0: unknown.
	CPUNS int64 `json:"cpu_ns,omitempty"`
}

// Snapshot reads t. Requests being timed meanwhile may show some of their
// stages and not yet others; over thousands of requests that is noise.
func (t *Timer) Snapshot() Snapshot {
	s := Snapshot{Stages: make([]StageStat, NumStages)}
	for i := range s.Stages {
		s.Stages[i].Stage = Stage(i).String()
	}
	if t == nil {
		return s
	}
	s.Every = Every(t.every)
	s.Sampled = t.sampled.Load()
	for i := range s.Stages {
		s.Stages[i].Count = t.count[i].Load()
		s.Stages[i].SumNS = t.sum[i].Load()
	}
	s.derive()
	return s
}

// derive computes the totals, means and shares from the counts and sums.
func (s *Snapshot) derive() {
	s.TotalNS, s.MeanNS = 0, 0
	for _, st := range s.Stages {
		s.TotalNS += st.SumNS
	}
	if s.Sampled > 0 {
		s.MeanNS = float64(s.TotalNS) / float64(s.Sampled)
	}
	for i := range s.Stages {
		st := &s.Stages[i]
		st.MeanNS, st.PerRequestNS, st.Share = 0, 0, 0
		if st.Count > 0 {
			st.MeanNS = float64(st.SumNS) / float64(st.Count)
		}
		if s.Sampled > 0 {
			st.PerRequestNS = float64(st.SumNS) / float64(s.Sampled)
		}
		if s.TotalNS > 0 {
			st.Share = float64(st.SumNS) / float64(s.TotalNS)
		}
	}
}

// Sub is what happened between prev and s (two readings of one server,
// prev first): the counts, sums and CPU time subtracted, the rest
// recomputed. Stages are matched by name.
func (s Snapshot) Sub(prev Snapshot) Snapshot {
	out := Snapshot{Every: s.Every, Sampled: s.Sampled - prev.Sampled, Stages: append([]StageStat(nil), s.Stages...)}
	switch {
	case prev.CPUNS > 0 && s.CPUNS >= prev.CPUNS:
		out.CPUNS = s.CPUNS - prev.CPUNS
	case prev.CPUNS == 0 && prev.Sampled == 0 && len(prev.Stages) == 0:
		out.CPUNS = s.CPUNS // against the empty snapshot: s's own
	}
	// otherwise unknown (0): a reading without it
	for i := range out.Stages {
		if p, ok := prev.Get(out.Stages[i].Stage); ok {
			out.Stages[i].Count -= p.Count
			out.Stages[i].SumNS -= p.SumNS
		}
	}
	out.derive()
	return out
}

// Get is the stage called name.
func (s Snapshot) Get(name string) (StageStat, bool) {
	for _, st := range s.Stages {
		if st.Stage == name {
			return st, true
		}
	}
	return StageStat{}, false
}

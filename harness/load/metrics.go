package load

import (
	"math"
	"math/bits"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/results"
)

// Recorder receives Results. Add may be called concurrently and must not
// keep r: the caller reuses it.
type Recorder interface {
	Add(r *Result)
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(*Result)

// Add implements Recorder.
func (f RecorderFunc) Add(r *Result) { f(r) }

// Tee hands every Result to each recorder in turn.
func Tee(rs ...Recorder) Recorder {
	return RecorderFunc(func(r *Result) {
		for _, x := range rs {
			x.Add(r)
		}
	})
}

// shards spreads Metrics' state so that clients rarely wait for each other.
const shards = 8

// Generator-limited: a run whose generator itself delayed more than
// GenLateShare of its sends by more than Config.GenLateAfter
// (DefaultGenLateAfter unless set) measured the generator as much as the
// server. 5 ms is a quarter of the quick capacity search's p99 bound
// (20 ms) and half the full one's (10 ms): delays under it cannot fail a
// point on their own, while 1% of sends delayed beyond it can move a p99.
const (
	DefaultGenLateAfter = 5 * time.Millisecond
	GenLateShare        = 0.01
)

// Metrics aggregates Results: outcome counts, acknowledged metrics, an HDR
// histogram of the latency of every answered request and of every timed-out
// one (at the time it was given up: at least the timeout, so a p99 counts
// the requests that never came back), and the times that bound the send
// window. The zero value is not ready; use NewMetrics.
type Metrics struct {
	shard [shards]struct {
		mu     sync.Mutex
		hist   *hdrhistogram.Histogram // guarded by mu
		counts results.Counts          // guarded by mu
		acked  int64                   // guarded by mu
		window windowTally             // guarded by mu
		_      [64]byte
	}
}

// windowTally is what bounds a run's send window and what fell outside it.
type windowTally struct {
	first      time.Time // earliest Intended
	lastAnswer time.Time // latest end of an answered request
	lastEnd    time.Time // latest end of any request (timeouts included)
	after2xx   int64     // 2xx answers to requests begun after the schedule's end
	afterSent  int64     // requests begun after the schedule's end
	genLate    int64     // requests the generator itself delayed (Result.GenLate)
	heldNS     int64     // sum over requests begun in the window of end − Attempt
	// genDelay counts the generator's own delays (Result.GenDelay) in
	// powers of two: bucket i holds [2^(i-1), 2^i) ns, bucket 0 no delay.
	genDelay [genBuckets]int64
}

// genBuckets covers delays up to 2^40 ns (18 minutes).
const genBuckets = 41

// genBucket is the bucket of delay d.
func genBucket(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return min(bits.Len64(uint64(d)), genBuckets-1)
}

// genDelayQuantile is the upper edge of the bucket holding quantile q of
// the delays counted in b (0 when none): within a factor 2 above.
func genDelayQuantile(b *[genBuckets]int64, q float64) time.Duration {
	var n int64
	for _, c := range b {
		n += c
	}
	if n == 0 {
		return 0
	}
	need := int64(math.Ceil(q * float64(n)))
	var cum int64
	for i, c := range b {
		if cum += c; cum >= need {
			if i == 0 {
				return 0
			}
			return time.Duration(1) << i
		}
	}
	return time.Duration(1) << (genBuckets - 1)
}

func (w *windowTally) add(r *Result) {
	end := r.end()
	if w.first.IsZero() || r.Intended.Before(w.first) {
		w.first = r.Intended
	}
	if r.Answered() && end.After(w.lastAnswer) {
		w.lastAnswer = end
	}
	if end.After(w.lastEnd) {
		w.lastEnd = end
	}
	if r.GenLate {
		w.genLate++
	}
	w.genDelay[genBucket(r.GenDelay)]++
	if r.AfterWindow {
		w.afterSent++
		if r.Class == Class2xx {
			w.after2xx++
		}
		return
	}
	if !r.Attempt.IsZero() {
		w.heldNS += int64(end.Sub(r.Attempt))
	}
}

func (w *windowTally) merge(o windowTally) {
	if !o.first.IsZero() && (w.first.IsZero() || o.first.Before(w.first)) {
		w.first = o.first
	}
	if o.lastAnswer.After(w.lastAnswer) {
		w.lastAnswer = o.lastAnswer
	}
	if o.lastEnd.After(w.lastEnd) {
		w.lastEnd = o.lastEnd
	}
	w.after2xx += o.after2xx
	w.afterSent += o.afterSent
	w.genLate += o.genLate
	w.heldNS += o.heldNS
	for i, c := range o.genDelay {
		w.genDelay[i] += c
	}
}

// NewMetrics returns an empty aggregate.
func NewMetrics() *Metrics {
	m := &Metrics{}
	for i := range m.shard {
		m.shard[i].hist = results.NewHDR()
	}
	return m
}

// Add implements Recorder.
func (m *Metrics) Add(r *Result) {
	s := &m.shard[uint(r.Client)%shards]
	s.mu.Lock()
	r.count(&s.counts)
	if r.Class == Class2xx {
		s.acked += r.Accepted
	}
	if r.Answered() || r.Class == ClassTimeout {
		_ = s.hist.RecordValue(min(int64(r.Latency), results.HDRHighest)) // in range by construction
	}
	s.window.add(r)
	s.mu.Unlock()
}

// Summary is a snapshot of an aggregate.
type Summary struct {
	Counts    results.Counts
	Acked     int64
	Histogram *hdrhistogram.Histogram
	Duration  time.Duration // the run's wall time, drain included
	// First is the earliest intended send; LastAnswer the latest answer
	// received in time (any status); LastEnd the latest answer, timeout or
	// failure. They bound the send window (Window).
	First, LastAnswer, LastEnd time.Time
	// After2xx and AfterSent are the 2xx answers and the requests of an
	// open run begun after its schedule's end; GenLate the requests the
	// generator itself delayed; HeldNS the connection time of the requests
	// begun in the window (Little's law: HeldNS / window = connections
	// busy on average).
	After2xx, AfterSent, GenLate, HeldNS int64
	// GenDelayP99 is the 99th percentile of the generator's own delays
	// (within a factor 2 above; open runs).
	GenDelayP99 time.Duration
}

// Summary merges the shards. d is the run's wall time.
func (m *Metrics) Summary(d time.Duration) Summary {
	s := Summary{Histogram: results.NewHDR(), Duration: d}
	var w windowTally
	for i := range m.shard {
		sh := &m.shard[i]
		sh.mu.Lock()
		s.Counts = s.Counts.Add(sh.counts)
		s.Acked += sh.acked
		s.Histogram.Merge(sh.hist)
		w.merge(sh.window)
		sh.mu.Unlock()
	}
	s.First, s.LastAnswer, s.LastEnd = w.first, w.lastAnswer, w.lastEnd
	s.After2xx, s.AfterSent, s.GenLate, s.HeldNS = w.after2xx, w.afterSent, w.genLate, w.heldNS
	s.GenDelayP99 = genDelayQuantile(&w.genDelay, 0.99)
	return s
}

// Throughput is 2xx answers per second of wall time (drain included); a
// trial's rate is over its send window instead (Window, NewTrial).
func (s Summary) Throughput() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Counts.Status2xx) / s.Duration.Seconds()
}

// Window is the send window of a run of cfg, and the drain after it:
//
//   - open model: the schedule, cfg.Duration from the first intended send;
//     every request begun in it counts, answered in it or after (a request
//     begun after it is the generator's backlog and does not). The drain
//     runs from the schedule's end to the last answer or timeout.
//   - closed model: from the first send to the last answer received in
//     time. A closed client sends its next request when the last is
//     answered, so every request is begun in the window but those that
//     failed at its end; a timeout or connection failure after the last
//     answer is the drain. (Ending the window at the last send instead
//     would leave each client's last round trip out of the time but not
//     out of the count: +1/n for n requests per client, +11% at 10.)
func (s Summary) Window(cfg Config) (window, drain time.Duration) {
	if s.First.IsZero() {
		return 0, 0
	}
	var end time.Time
	if cfg.Model == Open {
		end = s.First.Add(cfg.Duration)
	} else {
		end = s.LastAnswer
		if end.IsZero() {
			end = s.LastEnd // nothing was answered: the rate is 0 either way
		}
	}
	return end.Sub(s.First), max(0, s.LastEnd.Sub(end))
}

// Fill writes the summary of a run of cfg into a results.Trial: counts,
// latency, HDR, success rate, acknowledged metrics, wall time, and the
// send window, its drain and the rates over it (Window): Throughput is
// the 2xx answers to requests begun in the window per second of window;
// an open run adds the rate sent, the generator's lateness
// (GeneratorLimited when more than GenLateShare of its sends) and the
// connections busy on average.
func (s Summary) Fill(cfg Config, t *results.Trial) error {
	enc, err := results.EncodeHDR(s.Histogram)
	if err != nil {
		return err
	}
	t.DurationNS = int64(s.Duration)
	t.Counts = s.Counts
	t.Acked = s.Acked
	t.SuccessPct = s.Counts.SuccessPct()
	t.Latency = results.LatencyOf(s.Histogram)
	t.HDR = enc
	w, drain := s.Window(cfg)
	t.WindowNS, t.DrainNS, t.Throughput = int64(w), int64(drain), 0
	if w <= 0 {
		return nil
	}
	t.Throughput = float64(s.Counts.Status2xx-s.After2xx) / w.Seconds()
	if cfg.Model == Open {
		sent := s.Counts.Total() - s.AfterSent
		t.SentRate = float64(sent) / w.Seconds()
		t.GeneratorLate, t.GeneratorDelayP99NS = s.GenLate, int64(s.GenDelayP99)
		t.GeneratorLimited = float64(s.GenLate) > GenLateShare*float64(s.Counts.Total())
		t.ConnsBusy = float64(s.HeldNS) / float64(w)
	}
	return nil
}

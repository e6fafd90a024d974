package load

import (
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

// Metrics aggregates Results: outcome counts, acknowledged metrics and an HDR
// histogram of the latency of every answered request (ns, 1µs..60s, 3
// significant figures). The zero value is not ready; use NewMetrics.
type Metrics struct {
	shard [shards]struct {
		mu     sync.Mutex
		hist   *hdrhistogram.Histogram // guarded by mu
		counts results.Counts          // guarded by mu
		acked  int64                   // guarded by mu
		_      [64]byte
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
	if r.Answered() {
		v := int64(r.Latency)
		if v > results.HDRHighest {
			v = results.HDRHighest
		}
		_ = s.hist.RecordValue(v) // in range by construction
	}
	s.mu.Unlock()
}

// Summary is a snapshot of an aggregate.
type Summary struct {
	Counts    results.Counts
	Acked     int64
	Histogram *hdrhistogram.Histogram
	Duration  time.Duration
}

// Summary merges the shards. d is the run's wall time (for throughput).
func (m *Metrics) Summary(d time.Duration) Summary {
	s := Summary{Histogram: results.NewHDR(), Duration: d}
	for i := range m.shard {
		sh := &m.shard[i]
		sh.mu.Lock()
		s.Counts = s.Counts.Add(sh.counts)
		s.Acked += sh.acked
		s.Histogram.Merge(sh.hist)
		sh.mu.Unlock()
	}
	return s
}

// Throughput is 2xx answers per second of wall time.
func (s Summary) Throughput() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Counts.Status2xx) / s.Duration.Seconds()
}

// Fill writes the summary into a results.Trial (counts, latency, HDR,
// throughput, success rate, acknowledged metrics, duration).
func (s Summary) Fill(t *results.Trial) error {
	enc, err := results.EncodeHDR(s.Histogram)
	if err != nil {
		return err
	}
	t.DurationNS = int64(s.Duration)
	t.Counts = s.Counts
	t.Acked = s.Acked
	t.Throughput = s.Throughput()
	t.SuccessPct = s.Counts.SuccessPct()
	t.Latency = results.LatencyOf(s.Histogram)
	t.HDR = enc
	return nil
}

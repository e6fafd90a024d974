package stages

import (
	"encoding/json"
	"flag"
	"math"
	"sync"
	"testing"
	"time"
)

// clock is a manual clock: time moves only when the test says.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func manual(every Every) (*Timer, *clock) {
	c := &clock{t: time.Unix(1000, 0)}
	t := New(every)
	t.now = c.now
	return t, c
}

type step struct {
	after time.Duration // time spent in the stage
	stage Stage
}

// play runs one request through t: Begin, then each step's time and Mark,
// then End.
func play(t *Timer, c *clock, s *Sample, steps []step) {
	t.Begin(s)
	for _, st := range steps {
		c.advance(st.after)
		s.Mark(st.stage)
	}
	s.End()
}

var (
	// an accepted POST: 10 µs in all
	accepted = []step{
		{500, ReadHeader}, {0, Queue}, {700, ReadBody}, {300, RateLimit}, {200, Record},
		{4000, Parse}, {800, Validate}, {1000, Encode}, {1500, Write}, {1000, Respond},
	}
	// a 429: no parse, validate, encode or write; 2 µs
	limited = []step{
		{500, ReadHeader}, {0, Queue}, {700, ReadBody}, {300, RateLimit}, {200, Record}, {300, Respond},
	}
)

func TestParseEvery(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Every
	}{
		{"", 0}, {"off", 0}, {"0", 0}, {"all", 1}, {"1/1", 1}, {"1/64", 64}, {" 1/1000 ", 1000},
	} {
		got, err := ParseEvery(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseEvery(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"1/0", "64", "2/64", "1/-3", "1/x", "half", "1/99999999999"} {
		if got, err := ParseEvery(bad); err == nil {
			t.Errorf("ParseEvery(%q) = %v, want an error", bad, got)
		}
	}
	// as a flag, the way cmd/metricstream will take it
	var e Every
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Var(&e, "stages", "")
	if err := fs.Parse([]string{"-stages", "1/64"}); err != nil || e != 64 || e.String() != "1/64" {
		t.Errorf("flag: %v %v %q", err, e, e.String())
	}
	if Every(0).String() != "off" {
		t.Errorf("Every(0) = %q", Every(0).String())
	}
}

func TestStageNames(t *testing.T) {
	for st := range NumStages {
		got, ok := ByName(st.String())
		if !ok || got != st {
			t.Errorf("ByName(%q) = %v, %v", st.String(), got, ok)
		}
	}
	if _, ok := ByName("lunch"); ok {
		t.Error("ByName(lunch) found a stage")
	}
}

// Every request timed: the sums, counts, means, per-request costs and
// shares are exactly what the steps spent.
func TestTimerAccounts(t *testing.T) {
	tm, c := manual(1)
	var s Sample
	for range 3 {
		play(tm, c, &s, accepted)
	}
	play(tm, c, &s, limited)
	c.advance(time.Hour) // idle time after End is nobody's
	s.Mark(Write)

	snap := tm.Snapshot()
	const total = 3*10000 + 2000
	if snap.Every != 1 || snap.Sampled != 4 || snap.TotalNS != total || snap.MeanNS != total/4.0 {
		t.Fatalf("snapshot totals: %+v", snap)
	}
	for _, tc := range []struct {
		stage Stage
		count uint64
		sum   int64
	}{
		{ReadHeader, 4, 2000}, {Queue, 4, 0}, {Parse, 3, 12000}, {Write, 3, 4500}, {Respond, 4, 3300},
	} {
		st, ok := snap.Get(tc.stage.String())
		if !ok || st.Count != tc.count || st.SumNS != tc.sum {
			t.Errorf("%s: %+v, want count %d sum %d", tc.stage, st, tc.count, tc.sum)
			continue
		}
		if want := float64(tc.sum) / float64(tc.count); st.MeanNS != want && tc.count > 0 {
			t.Errorf("%s mean %v, want %v", tc.stage, st.MeanNS, want)
		}
		if want := float64(tc.sum) / 4; st.PerRequestNS != want {
			t.Errorf("%s per request %v, want %v", tc.stage, st.PerRequestNS, want)
		}
		if want := float64(tc.sum) / total; math.Abs(st.Share-want) > 1e-12 {
			t.Errorf("%s share %v, want %v", tc.stage, st.Share, want)
		}
	}
	var shares float64
	for _, st := range snap.Stages {
		shares += st.Share
	}
	if math.Abs(shares-1) > 1e-12 || len(snap.Stages) != int(NumStages) {
		t.Errorf("shares add to %v over %d stages", shares, len(snap.Stages))
	}
}

// Off (Every 0) and a nil Timer time nothing and cost nothing to call.
func TestTimerOff(t *testing.T) {
	for name, tm := range map[string]*Timer{"New(0)": New(0), "nil": nil} {
		var s Sample
		tm.Begin(&s)
		if s.Timed() {
			t.Errorf("%s: request timed", name)
		}
		s.Mark(Parse)
		s.End()
		snap := tm.Snapshot()
		if snap.Sampled != 0 || snap.TotalNS != 0 || len(snap.Stages) != int(NumStages) {
			t.Errorf("%s: %+v", name, snap)
		}
		if _, err := Bounds(snap); err == nil {
			t.Errorf("%s: Bounds of an empty snapshot gave no error", name)
		}
	}
}

// 1/64 times about one request in 64. The count is random (binomial); the
// bounds are 6 standard deviations wide.
func TestTimerSamples(t *testing.T) {
	tm := New(64)
	var s Sample
	const n = 64000
	for range n {
		tm.Begin(&s)
		s.Mark(ReadHeader)
		s.End()
	}
	got := tm.Snapshot().Sampled
	mean := float64(n) / 64
	sd := math.Sqrt(mean * (1 - 1.0/64))
	if math.Abs(float64(got)-mean) > 6*sd {
		t.Errorf("timed %d of %d at 1/64, want %.0f ± %.0f", got, n, mean, 6*sd)
	}
	if rh, _ := tm.Snapshot().Get("read_header"); rh.Count != got {
		t.Errorf("read_header marked %d times for %d timed requests", rh.Count, got)
	}
}

// One trial's figures are the difference of two readings.
func TestSnapshotSub(t *testing.T) {
	tm, c := manual(1)
	var s Sample
	play(tm, c, &s, limited)
	before := tm.Snapshot()
	play(tm, c, &s, accepted)
	play(tm, c, &s, accepted)
	d := tm.Snapshot().Sub(before)
	if d.Sampled != 2 || d.TotalNS != 20000 || d.MeanNS != 10000 {
		t.Fatalf("interval: %+v", d)
	}
	if p, _ := d.Get("parse"); p.Count != 2 || p.SumNS != 8000 || p.Share != 0.4 {
		t.Errorf("parse in the interval: %+v", p)
	}
	if r, _ := d.Get("respond"); r.Count != 2 || r.SumNS != 2000 {
		t.Errorf("respond in the interval: %+v (the 429 before must not count)", r)
	}
}

// CPU time subtracts like the counters; a reading without it (0) makes
// the interval's unknown, and the empty snapshot leaves it as it is.
func TestSnapshotSubCPU(t *testing.T) {
	tm, _ := manual(1)
	a, b := tm.Snapshot(), tm.Snapshot()
	a.CPUNS, b.CPUNS = 5_000_000, 12_000_000
	if d := b.Sub(a); d.CPUNS != 7_000_000 {
		t.Errorf("CPU between readings %d, want 7000000", d.CPUNS)
	}
	a.CPUNS = 0
	if d := b.Sub(a); d.CPUNS != 0 {
		t.Errorf("CPU against a reading without it %d, want 0 (unknown)", d.CPUNS)
	}
	if d := b.Sub(Snapshot{}); d.CPUNS != 12_000_000 {
		t.Errorf("CPU against the empty snapshot %d, want 12000000", d.CPUNS)
	}
	if c := ProcessCPU(); c <= 0 {
		t.Errorf("ProcessCPU() = %d on a unix test machine, want > 0", c)
	}
}

// The JSON a /health or debug route serves reads back into the same
// Snapshot, and Sub works on what was read.
func TestSnapshotJSON(t *testing.T) {
	tm, c := manual(64)
	tm.every = 1 // time every request, but report the configured rate
	var s Sample
	play(tm, c, &s, accepted)
	tm.every = 64
	b, err := json.Marshal(tm.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var back Snapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Every != 64 || back.Sampled != 1 || back.TotalNS != 10000 || len(back.Stages) != int(NumStages) {
		t.Fatalf("read back: %s", b)
	}
	if z := back.Sub(back); z.Sampled != 0 || z.TotalNS != 0 || z.MeanNS != 0 {
		t.Errorf("x − x = %+v", z)
	}
}

// Timing allocates nothing, sampled or not.
func TestTimerAllocatesNothing(t *testing.T) {
	for _, every := range []Every{0, 64, 1} {
		tm := New(every)
		var s Sample
		if n := testing.AllocsPerRun(1000, func() {
			tm.Begin(&s)
			for st := range NumStages {
				s.Mark(st)
			}
			s.End()
		}); n != 0 {
			t.Errorf("every %v: %v allocations per request", every, n)
		}
	}
}

// Many connections at once (run with -race): every timed request's marks
// are all counted.
func TestTimerConcurrent(t *testing.T) {
	tm := New(1)
	const conns, reqs = 8, 500
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var s Sample
			for range reqs {
				tm.Begin(&s)
				for st := range NumStages {
					s.Mark(st)
				}
				s.End()
			}
		})
	}
	wg.Wait()
	snap := tm.Snapshot()
	if snap.Sampled != conns*reqs {
		t.Fatalf("sampled %d, want %d", snap.Sampled, conns*reqs)
	}
	for _, st := range snap.Stages {
		if st.Count != conns*reqs || st.SumNS < 0 {
			t.Errorf("%s: %+v", st.Stage, st)
		}
	}
}

package load

import (
	"context"
	"testing"
	"time"

	"metricstream/harness/internal/fakeserver"
	"metricstream/harness/results"
)

func trialOf(t *testing.T, cfg Config, also ...Recorder) results.Trial {
	t.Helper()
	m := NewMetrics()
	start := time.Now()
	d, err := Attack(context.Background(), cfg, Tee(append([]Recorder{m}, also...)...))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrial(cfg, start, m.Summary(d))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// A 400 ms open-loop point where one request times out after 2 s: the
// rate is the window's (199 answers in 0.4 s), not a sixth of it (199 in
// the 2.1 s until the timeout); the 1.7 s after the schedule is the
// drain; the timed-out request is in the latency histogram at its 2 s.
func TestOpenRateOverTheSendWindow(t *testing.T) {
	const hold, timeout = 400 * time.Millisecond, 2 * time.Second
	cfg := Config{Addr: fake(t, fakeserver.Options{StallOnce: 3 * time.Second, StallAt: 50}), Model: Open,
		Clients: 8, Rate: 500, Duration: hold, KeepAlive: true, Timeout: timeout}
	tr := trialOf(t, cfg)
	if tr.Counts.Status2xx != 199 || tr.Counts.Timeout != 1 {
		t.Fatalf("counts %+v, want 199 2xx and 1 timeout", tr.Counts)
	}
	if tr.WindowNS != int64(hold) {
		t.Errorf("window %v, want the schedule's %v", time.Duration(tr.WindowNS), hold)
	}
	// 199 answers over the 0.4 s window: 497.5/s (a send or two begun
	// after the window on a busy machine are left out), where the wall
	// time to the timeout gives about 95/s
	wall := 199 / time.Duration(tr.DurationNS).Seconds()
	if tr.Throughput < 0.95*497.5 || tr.Throughput > 497.5 || tr.Throughput < 5*wall {
		t.Errorf("throughput %.1f/s, want 497.5/s (199 over the window), not the wall-time rate %.1f/s", tr.Throughput, wall)
	}
	if tr.DurationNS < int64(timeout) {
		t.Errorf("wall time %v: the run must wait for the timeout", time.Duration(tr.DurationNS))
	}
	if drain := time.Duration(tr.DrainNS); drain < timeout-hold || drain > time.Duration(tr.DurationNS)-hold {
		t.Errorf("drain %v, want about the timeout past the schedule", drain)
	}
	if tr.Latency.Max < int64(timeout) {
		t.Errorf("max latency %v: the timed-out request must be in the histogram at >= %v", time.Duration(tr.Latency.Max), timeout)
	}
	if tr.SentRate < 0.95*500 || tr.SentRate > 500 {
		t.Errorf("sent rate %.1f/s, want 500/s (200 sent in 0.4 s)", tr.SentRate)
	}
}

// Closed loop: the window ends at the last answer received in time; a
// timeout after it is drain, not time in the rate.
func TestClosedRateLeavesTheDrainOut(t *testing.T) {
	cfg := Config{Addr: fake(t, fakeserver.Options{StallOnce: 3 * time.Second, StallAt: 40}), Model: Closed,
		Clients: 1, Requests: 40, KeepAlive: true, Timeout: 500 * time.Millisecond}
	tr := trialOf(t, cfg)
	if tr.Counts.Status2xx != 39 || tr.Counts.Timeout != 1 {
		t.Fatalf("counts %+v, want 39 2xx and the last request timed out", tr.Counts)
	}
	if tr.DrainNS < int64(500*time.Millisecond) || tr.WindowNS+tr.DrainNS > tr.DurationNS+int64(time.Millisecond) {
		t.Errorf("window %v drain %v wall %v: the last request's 500 ms timeout is the drain", time.Duration(tr.WindowNS), time.Duration(tr.DrainNS), time.Duration(tr.DurationNS))
	}
	if want := 39 / time.Duration(tr.WindowNS).Seconds(); tr.Throughput != want {
		t.Errorf("throughput %.1f/s, want 39 over the window, %.1f/s", tr.Throughput, want)
	}
	if tr.SentRate != 0 || tr.GeneratorLimited {
		t.Errorf("closed loop: sent rate %v, generator-limited %v (open-loop figures)", tr.SentRate, tr.GeneratorLimited)
	}
}

// slowRecorder makes the generator itself slow: its every Add takes d.
type slowRecorder time.Duration

func (s slowRecorder) Add(*Result) { time.Sleep(time.Duration(s)) }

// A generator that cannot keep its schedule although its connections are
// free (each result takes it 20 ms to record; 2 clients at 200/s need one
// send every 5 ms) is generator-limited; a server that stalls makes sends
// late too, but those waited for a busy connection, not for the
// generator, and the run is not generator-limited.
func TestGeneratorLimited(t *testing.T) {
	slow := trialOf(t, Config{Addr: fake(t, fakeserver.Options{}), Model: Open, Clients: 2, Rate: 200,
		Duration: 300 * time.Millisecond, KeepAlive: true}, slowRecorder(20*time.Millisecond))
	if !slow.GeneratorLimited || slow.GeneratorLate < slow.Counts.Total()/2 || slow.GeneratorDelayP99NS < int64(16*time.Millisecond) {
		t.Errorf("slow generator: limited %v, %d of %d sends delayed by it, p99 delay %v", slow.GeneratorLimited, slow.GeneratorLate, slow.Counts.Total(), time.Duration(slow.GeneratorDelayP99NS))
	}
	if slow.SentRate >= 0.8*200 {
		t.Errorf("slow generator sent %.0f/s of the 200/s asked", slow.SentRate)
	}

	stall := trialOf(t, Config{Addr: fake(t, fakeserver.Options{StallOnce: 200 * time.Millisecond, StallAt: 20}), Model: Open,
		Clients: 1, Rate: 500, Duration: 600 * time.Millisecond, KeepAlive: true})
	// (a machine busy with other work delays a few sends of any run: the
	// test asks only that the stall's late sends are not taken for the
	// generator's)
	if stall.Counts.Late < 50 || stall.GeneratorLate > stall.Counts.Late/4 {
		t.Errorf("server stall: %d late sends, %d of them the generator's", stall.Counts.Late, stall.GeneratorLate)
	}
	// one connection, held for the 200 ms stall at least, of 600 ms
	if stall.ConnsBusy < 0.3 || stall.ConnsBusy > 1.01 {
		t.Errorf("one connection, busy %.2f on average", stall.ConnsBusy)
	}
}

// The rule itself, on recorded results: more than 1% of the sends delayed
// by the generator makes a run generator-limited; requests begun after
// the schedule's end are out of the rates.
func TestWindowTally(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cfg := Config{Model: Open, Rate: 1000, Duration: time.Second, Clients: 4}
	for _, tc := range []struct {
		genLate int
		limited bool
	}{{0, false}, {10, false}, {11, true}} {
		m := NewMetrics()
		for i := 0; i < 1000; i++ {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			m.Add(&Result{Client: i % 4, Intended: at, Attempt: at, Latency: time.Millisecond, Class: Class2xx, GenLate: i < tc.genLate})
		}
		// two sent after the window: one answered 2xx, one 503
		late := t0.Add(1100 * time.Millisecond)
		m.Add(&Result{Client: 1, Intended: t0.Add(999 * time.Millisecond), Attempt: late, Latency: 102 * time.Millisecond, Class: Class2xx, AfterWindow: true})
		m.Add(&Result{Client: 2, Intended: t0.Add(999 * time.Millisecond), Attempt: late, Latency: 103 * time.Millisecond, Class: Class503, AfterWindow: true})
		var tr results.Trial
		if err := m.Summary(2*time.Second).Fill(cfg, &tr); err != nil {
			t.Fatal(err)
		}
		if tr.GeneratorLimited != tc.limited || tr.GeneratorLate != int64(tc.genLate) {
			t.Errorf("%d of 1002 sends late by the generator: limited %v", tc.genLate, tr.GeneratorLimited)
		}
		if tr.Throughput != 1000 || tr.SentRate != 1000 || tr.WindowNS != int64(time.Second) {
			t.Errorf("throughput %v sent %v window %v: want 1000/s over 1 s, the two begun after it left out", tr.Throughput, tr.SentRate, tr.WindowNS)
		}
		if tr.DrainNS != int64(102*time.Millisecond) {
			t.Errorf("drain %v, want 102ms (the last answer at 1.102 s)", time.Duration(tr.DrainNS))
		}
		if tr.ConnsBusy < 0.99 || tr.ConnsBusy > 1.01 {
			t.Errorf("conns busy %.3f, want 1 (1000 × 1 ms over 1 s)", tr.ConnsBusy)
		}
	}
}

// Windows: a request counts in the window it was begun in, from the
// shared start; every window up to the last is kept, empty ones too, and
// a longer count pads with empty windows.
func TestWindows(t *testing.T) {
	t0 := time.Unix(2000, 0)
	w := NewWindows(t0, 50*time.Millisecond)
	for _, at := range []time.Duration{-time.Millisecond, 0, 49 * time.Millisecond, 50 * time.Millisecond, 210 * time.Millisecond} {
		w.Add(&Result{Client: int(at), Intended: t0, Attempt: t0.Add(at), Class: Class2xx})
	}
	w.Add(&Result{Client: 3, Intended: t0.Add(60 * time.Millisecond), Class: Class503}) // no Attempt: its intended time
	if w.Len() != 5 {
		t.Fatalf("len %d, want 5 (the last request at 210 ms)", w.Len())
	}
	got := w.Windows(7)
	win := func(ms, sent, ok int64) results.Window {
		return results.Window{StartNS: ms * 1e6, Sent: sent, Status2xx: ok}
	}
	want := []results.Window{win(0, 3, 3), win(50, 2, 1), win(100, 0, 0), win(150, 0, 0), win(200, 1, 1), win(250, 0, 0), win(300, 0, 0)}
	if len(got) != len(want) {
		t.Fatalf("got %d windows", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("window %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// The generator's delay percentile: the upper edge of the power-of-two
// bucket holding it, 0 when at most 1% of sends were delayed at all.
func TestGenDelayQuantile(t *testing.T) {
	var b [genBuckets]int64
	b[genBucket(0)] = 99
	b[genBucket(10*time.Millisecond)] = 1
	if q := genDelayQuantile(&b, 0.99); q != 0 {
		t.Errorf("1 delay in 100: p99 %v, want 0", q)
	}
	b[genBucket(10*time.Millisecond)] = 2
	if q := genDelayQuantile(&b, 0.99); q < 10*time.Millisecond || q > 20*time.Millisecond {
		t.Errorf("2 delays of 10ms in 101: p99 %v, want 10ms..20ms", q)
	}
	var none [genBuckets]int64
	if q := genDelayQuantile(&none, 0.99); q != 0 {
		t.Errorf("no sends: %v", q)
	}
}

package load_test

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// sim is a deterministic model of a server, for the search's unit tests: no
// clock, no network. Below its capacity mu (req/s) it answers everything
// 2xx with M/M/1's p99 response time ln(100)/(mu − rate); at or above mu
// the backlog grows for the whole hold (p99 ≈ the backlog at the end) and,
// when shed is set, the excess is answered 503 as a pool executor does.
type sim struct {
	mu   float64
	shed bool
	// cutAbove: runs at a rate above it attempt only half their schedule
	// (a run that had to stop sending); 0: never.
	cutAbove float64
	// genAbove: runs at a rate above it are generator-limited (the
	// generator fell behind its schedule); 0: never.
	genAbove float64
	genCall  int   // this run (1: the probe) is generator-limited too; 0: none
	fail     error // returned by every run after the first failAfter
	// failAfter is how many runs succeed before fail is returned.
	failAfter int

	calls []call
}

type call struct {
	rate float64
	hold time.Duration
}

func (s *sim) run(_ context.Context, rate float64, hold time.Duration) (results.Trial, error) {
	s.calls = append(s.calls, call{rate, hold})
	if s.fail != nil && len(s.calls) > s.failAfter {
		return results.Trial{}, s.fail
	}
	n := load.Constant{Rate: rate, Duration: hold}.Requests()
	if s.cutAbove > 0 && rate > s.cutAbove {
		n /= 2
	}
	t := results.Trial{Model: "open", OfferedRate: rate, DurationNS: int64(hold)}
	t.Counts.Status2xx = n
	var p99 float64
	if rate < s.mu {
		p99 = math.Log(100) / (s.mu - rate)
	} else {
		p99 = hold.Seconds() * (1 - s.mu/rate)
		if s.shed {
			ok := int64(float64(n) * s.mu / rate)
			t.Counts.Status2xx, t.Counts.Status503 = ok, n-ok
			p99 = 0.001 // the pool answers 503 at once and keeps its queue short
		}
	}
	t.Latency.P99 = int64(p99 * 1e9)
	t.SuccessPct = 100 * float64(t.Counts.Status2xx) / float64(n)
	t.Throughput = min(rate, s.mu)
	t.SentRate = rate
	if (s.genAbove > 0 && rate > s.genAbove) || len(s.calls) == s.genCall {
		// the generator's lag shows in latency timed from the intended
		// sends: the point fails, and it is the generator's doing
		t.GeneratorLimited, t.SentRate = true, 0.9*rate
		t.Latency.P99 = max(t.Latency.P99, int64(50*time.Millisecond))
		t.GeneratorDelayP99NS = t.Latency.P99 // its own delays are the p99
	}
	return t, nil
}

func slos(t *testing.T, exprs ...string) []load.Objective {
	t.Helper()
	var out []load.Objective
	for _, e := range exprs {
		s, err := scenario.ParseSLO(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// knee is the model's true capacity for "p99 <= limit": mu − ln(100)/limit.
func knee(mu float64, limit time.Duration) float64 {
	return mu - math.Log(100)/limit.Seconds()
}

// checkRule asserts what every search must keep: the probe first and only
// once, every full point held max(MinHold, MinRequests/rate), rates inside
// [MinRate, MaxRate], and Pass as the objectives decided.
func checkRule(t *testing.T, s load.CapacitySearch, c load.Capacity, calls []call) {
	t.Helper()
	if len(c.Points) != len(calls) || len(c.Points) == 0 {
		t.Fatalf("%d points for %d runs", len(c.Points), len(calls))
	}
	if !c.Points[0].Probe {
		t.Errorf("first point is not the probe: %+v", c.Points[0])
	}
	minHold, minReq := s.MinHold, s.MinRequests
	if minHold == 0 {
		minHold = load.DefaultMinHold
	}
	if minReq == 0 {
		minReq = load.DefaultMinRequests
	}
	for i, p := range c.Points[1:] {
		if p.Probe {
			t.Errorf("point %d is a second probe", i+1)
		}
		want := max(minHold, time.Duration(math.Ceil(float64(minReq)/p.Offered*1e9)))
		if p.Hold != want || calls[i+1].hold != want {
			t.Errorf("point %d at %.0f req/s held %v (run got %v), want max(%v, %d requests) = %v",
				i+1, p.Offered, p.Hold, calls[i+1].hold, minHold, minReq, want)
		}
		if p.Scheduled < int64(minReq) {
			t.Errorf("point %d at %.0f req/s scheduled %d requests, want >= %d", i+1, p.Offered, p.Scheduled, minReq)
		}
		pass := !p.Cut
		for _, r := range p.SLO {
			pass = pass && r.Pass
		}
		if p.GeneratorLimited && (p.Pass || pass) {
			t.Errorf("point %d: generator-limited but passed (%v) or meeting its objectives (%v): a pass stands", i+1, p.Pass, pass)
		}
		if p.GeneratorLimited {
			pass = false
		}
		if p.Pass != pass || len(p.SLO) != len(s.Objectives) {
			t.Errorf("point %d: Pass %v, but cut=%v, generator-limited=%v and SLO %+v", i+1, p.Pass, p.Cut, p.GeneratorLimited, p.SLO)
		}
	}
}

func TestCapacitySearchFindsKneeWithin5Percent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mu    float64
		limit time.Duration
		probe float64 // ProbeRate; 0 = default (MaxRate)
		max   float64
	}{
		{"probe beyond capacity", 10000, 5 * time.Millisecond, 0, 0},
		{"probe below capacity grows", 10000, 5 * time.Millisecond, 1000, 0},
		{"tight SLO", 60000, 200 * time.Microsecond, 0, 0},
		{"small server", 700, 50 * time.Millisecond, 0, 5000},
		{"large server", 150000, 1 * time.Millisecond, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &sim{mu: tc.mu}
			s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= "+tc.limit.String(), "success >= 99%"),
				ProbeRate: tc.probe, MaxRate: tc.max}
			c, err := s.Find(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkRule(t, s, c, m.calls)
			want := knee(tc.mu, tc.limit)
			if !c.Converged || c.AtMax || c.BelowMin {
				t.Fatalf("not converged: %s", c.String())
			}
			// The bracket holds the true knee, and is at most 5% wide.
			if c.RPS > want || c.Failing <= want || c.Failing/c.RPS > 1.05 {
				t.Errorf("capacity %s, want a bracket ≤ 5%% wide around %.0f", c.String(), want)
			}
			if k := c.Knee(); k == nil || !k.Pass || k.Offered != c.RPS {
				t.Errorf("Knee() = %+v, want the passing point at %.0f", k, c.RPS)
			}
			if n := len(c.Points); n > 12 {
				t.Errorf("%d points: the search should need about 8 (%s)", n, c.String())
			}
		})
	}
}

// With a pool executor's 503s, the success objective is what fails.
func TestCapacitySearchSheddingServer(t *testing.T) {
	m := &sim{mu: 20000, shed: true}
	s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 50ms", "success >= 99%")}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkRule(t, s, c, m.calls)
	// success >= 99% holds up to rate = mu/0.99 (the 503s stay under 1%)
	want := 20000 / 0.99
	if !c.Converged || c.RPS > want || c.Failing <= want || c.Failing/c.RPS > 1.05 {
		t.Errorf("capacity %s, want a bracket ≤ 5%% wide around %.0f", c.String(), want)
	}
}

func TestCapacitySearchEnds(t *testing.T) {
	t.Run("at the ceiling", func(t *testing.T) {
		m := &sim{mu: 1e9}
		s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms"), MaxRate: 50000, ProbeRate: 2000}
		c, err := s.Find(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkRule(t, s, c, m.calls)
		if !c.AtMax || c.RPS != 50000 || c.Failing != 0 || c.Converged {
			t.Errorf("got %+v, want AtMax at 50000 req/s", c)
		}
	})
	t.Run("below the floor", func(t *testing.T) {
		m := &sim{mu: 100} // every rate from MinRate up is beyond it
		s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms"), MinRate: 1000, MinHold: 100 * time.Millisecond}
		c, err := s.Find(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkRule(t, s, c, m.calls)
		last := c.Points[len(c.Points)-1]
		if !c.BelowMin || c.RPS != 0 || c.Knee() != nil || last.Offered != 1000 || last.Pass {
			t.Errorf("got %s (last point %+v), want BelowMin ending at MinRate", c.String(), last)
		}
	})
	t.Run("point budget", func(t *testing.T) {
		m := &sim{mu: 10000}
		s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms"), MaxPoints: 3}
		c, err := s.Find(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Points) != 4 || c.Converged {
			t.Errorf("%d points (probe + 3 allowed), converged %v", len(c.Points), c.Converged)
		}
	})
}

// The probe is short: even when it meets the SLO it never bounds the
// answer; only full points do.
func TestCapacityProbeIsNotJudged(t *testing.T) {
	m := &sim{mu: 10000}
	s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms"), ProbeRate: 5000}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := c.Points[0]
	if !p.Probe || p.Pass || len(p.SLO) != 1 || !p.SLO[0].Pass || p.Hold != load.DefaultProbeHold {
		t.Errorf("probe %+v: want its SLO evaluated (passing) but the point not passed", p)
	}
	// the first full point starts from 0.8 × the probe's achieved rate
	if got := c.Points[1].Offered; got != 0.8*5000 {
		t.Errorf("first full point at %.0f, want 0.8 × 5000", got)
	}
}

// A run that could not send its whole schedule fails its point, whatever
// its latency says: the requests it never sent are not in its percentiles.
func TestCapacityCutPointFails(t *testing.T) {
	m := &sim{mu: 1e9, cutAbove: 30000}
	s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms")}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkRule(t, s, c, m.calls)
	if !c.Converged || c.RPS > 30000 || c.Failing <= 30000 {
		t.Errorf("capacity %s, want the bracket around 30000 where runs are cut", c.String())
	}
	for _, p := range c.Points[1:] {
		if p.Offered > 30000 && (!p.Cut || p.Pass) {
			t.Errorf("point %+v: want cut and failing", p)
		}
	}
}

func TestCapacityRunErrorStops(t *testing.T) {
	boom := errors.New("boom")
	m := &sim{mu: 10000, fail: boom, failAfter: 3}
	s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms")}
	c, err := s.Find(context.Background())
	if !errors.Is(err, boom) || len(c.Points) != 3 || len(m.calls) != 4 {
		t.Errorf("err %v after %d points, %d runs: want boom after 3 points", err, len(c.Points), len(m.calls))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m = &sim{mu: 10000}
	s.Run = m.run
	if _, err := s.Find(ctx); !errors.Is(err, context.Canceled) || len(m.calls) != 0 {
		t.Errorf("cancelled: err %v, %d runs", err, len(m.calls))
	}
}

func TestCapacitySearchRefusesBadSettings(t *testing.T) {
	run := (&sim{mu: 1000}).run
	ok := slos(t, "p99 <= 5ms")
	for name, s := range map[string]load.CapacitySearch{
		"no run":             {Objectives: ok},
		"no objective":       {Run: run},
		"nil objective":      {Run: run, Objectives: []load.Objective{nil}},
		"growth 1":           {Run: run, Objectives: ok, Growth: 1},
		"tolerance ≥ growth": {Run: run, Objectives: ok, Growth: 1.04, Tolerance: 0.05},
		"min above max":      {Run: run, Objectives: ok, MinRate: 5000, MaxRate: 4000},
		"probe above max":    {Run: run, Objectives: ok, ProbeRate: 5000, MaxRate: 4000},
		"infinite max":       {Run: run, Objectives: ok, MaxRate: math.Inf(1)},
		"NaN start factor":   {Run: run, Objectives: ok, StartFactor: math.NaN()},
	} {
		if _, err := s.Find(context.Background()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCapacityHoldRule(t *testing.T) {
	var s load.CapacitySearch
	for _, tc := range []struct {
		rate float64
		want time.Duration
	}{
		{100000, time.Second}, {2000, time.Second}, {1000, 2 * time.Second}, {300, 6666666667},
	} {
		if got := s.Hold(tc.rate); got != tc.want {
			t.Errorf("Hold(%v) = %v, want %v", tc.rate, got, tc.want)
		}
	}
}

// serialServer serves one request at a time on 127.0.0.1, sleeping d in
// each: at most 1/d requests a second. It returns its address.
func serialServer(t *testing.T, d time.Duration) string {
	t.Helper()
	var mu sync.Mutex
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		time.Sleep(d)
		mu.Unlock()
		w.Write([]byte(`{"accepted":1}`))
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// One real search, over loopback, against a server that serves one
// request at a time and sleeps 1 ms in each: it cannot serve more than
// 1000 req/s, and beyond that its queue (and p99) grows for the whole
// hold. Holds are shortened (the search's rule is the same; only its
// constants are smaller) to keep the test to a few seconds.
func TestCapacitySearchLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("real load over loopback")
	}
	addr := serialServer(t, time.Millisecond)

	s := load.CapacitySearch{
		Run:        load.OpenRunner(load.Config{Addr: addr, Clients: 32, KeepAlive: true, Timeout: 2 * time.Second}),
		Objectives: slos(t, "p99 <= 25ms", "success >= 99%"),
		ProbeRate:  3000, ProbeHold: 200 * time.Millisecond,
		MinHold: 200 * time.Millisecond, MinRequests: 100,
		MinRate: 20, MaxRate: 3000,
	}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Points {
		t.Logf("offered %6.0f  achieved %6.0f  p99 %8v  requests %4d/%4d  late %4d  pass %v probe %v",
			p.Offered, p.Achieved, time.Duration(p.P99), p.Requests, p.Scheduled, p.Late, p.Pass, p.Probe)
	}
	t.Logf("capacity: %s", c.String())
	// Beyond 1500 req/s the backlog after 200 ms is over 100 requests of
	// at least 1 ms each: its p99 cannot meet 25 ms.
	// On a machine busy with other work the generator may fall behind at
	// a failing point by as much as its p99: the search then stops there,
	// at least its last pass (censored, never a number above the truth).
	if c.RPS <= 0 || c.RPS >= 1500 || (c.AtMax && !c.GeneratorLimited) {
		t.Fatalf("capacity %s: want between 0 and 1500 req/s", c.String())
	}
	k := c.Knee()
	if k == nil || k.Requests < int64(s.MinRequests) || k.Cut || k.Errors != 0 {
		t.Errorf("knee %+v: want a whole, error-free point", k)
	}
	// A point is judged on what the load observed: its p99 within the limit.
	for _, p := range c.Points[1:] {
		if p.Pass && time.Duration(p.P99) > 25*time.Millisecond {
			t.Errorf("point %+v passed with p99 above 25ms", p)
		}
	}
}

// OpenRunner stops sending at 2 × hold when the target falls far behind:
// the point's requests fall short of its schedule, and the search fails
// it as cut.
func TestOpenRunnerCutsABacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("real load over loopback")
	}
	addr := serialServer(t, 20*time.Millisecond) // at most 50 req/s

	run := load.OpenRunner(load.Config{Addr: addr, Clients: 4, KeepAlive: true, Timeout: 2 * time.Second})
	// 1000 req/s for 100 ms: 100 scheduled; by 200 ms at most ~10 answered
	// and 4 in flight, so most were never sent.
	tr, err := run(context.Background(), 1000, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.Counts.Total(); n == 0 || n >= 100 {
		t.Fatalf("%d requests attempted of 100 scheduled, want a cut run", n)
	}
	s := load.CapacitySearch{Run: func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) { return tr, nil },
		Objectives: slos(t, "success >= 0%"), ProbeRate: 1000, MaxRate: 1000, MinRate: 999, MinHold: 100 * time.Millisecond, MinRequests: 1}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Points[1]; !p.Cut || p.Pass || !c.BelowMin {
		t.Errorf("point %+v: want cut and failing", p)
	}
}

// Every way a search ends reads as it should through the results files'
// Censored: a number only when it converged; below the lowest rate tried
// when nothing passed (at the floor, or out of points on the way down); at
// least the highest pass when nothing above it failed (the ceiling, the
// point budget on the way up, the generator's limit); the bracket when
// bisection ran out of points or met the generator's limit; what was
// established when a run failed.
func TestCapacitySearchCensoring(t *testing.T) {
	p99 := func() []load.Objective { return slos(t, "p99 <= 5ms") }
	for _, tc := range []struct {
		name   string
		sim    *sim
		search load.CapacitySearch
		want   results.Censoring
		bound  func(c load.Capacity) float64
		genLim bool
	}{
		{"converged", &sim{mu: 10000}, load.CapacitySearch{}, results.Exact,
			func(c load.Capacity) float64 { return c.RPS }, false},
		{"at the ceiling", &sim{mu: 1e9}, load.CapacitySearch{MaxRate: 50000, ProbeRate: 2000}, results.AtLeast,
			func(load.Capacity) float64 { return 50000 }, false},
		{"below the floor", &sim{mu: 100}, load.CapacitySearch{MinRate: 1000, MinHold: 100 * time.Millisecond}, results.Below,
			func(load.Capacity) float64 { return 1000 }, false},
		{"out of points going down", &sim{mu: 100}, load.CapacitySearch{MinRate: 10, MaxPoints: 2, ProbeRate: 100000, MinHold: 100 * time.Millisecond}, results.Below,
			func(c load.Capacity) float64 { return c.Points[2].Offered }, false},
		{"out of points going up", &sim{mu: 1e9}, load.CapacitySearch{MaxPoints: 2, ProbeRate: 2000}, results.AtLeast,
			func(c load.Capacity) float64 { return c.Points[2].Offered }, false},
		{"out of points bisecting", &sim{mu: 10000}, load.CapacitySearch{MaxPoints: 3}, results.Bracket,
			func(c load.Capacity) float64 { return c.RPS }, false},
		{"generator limit above a pass", &sim{mu: 1e9, genAbove: 20000}, load.CapacitySearch{ProbeRate: 10000}, results.AtLeast,
			func(c load.Capacity) float64 { return c.RPS }, true},
		{"generator limit inside the bracket", &sim{mu: 10000, genCall: 4}, load.CapacitySearch{}, results.Bracket,
			func(c load.Capacity) float64 { return c.RPS }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.search
			s.Run, s.Objectives = tc.sim.run, p99()
			c, err := s.Find(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkRule(t, s, c, tc.sim.calls)
			got, bound := c.Stats(nil).Censored()
			if got != tc.want || bound != tc.bound(c) || c.GeneratorLimited != tc.genLim {
				t.Errorf("%s: censored %q at %v (want %q at %v), generator-limited %v; points %+v", c.String(), got, bound, tc.want, tc.bound(c), c.GeneratorLimited, c.Points)
			}
			if tc.want != results.Exact && c.Converged {
				t.Errorf("%s: a censored search says converged", c.String())
			}
			for _, p := range c.Points {
				if p.GeneratorLimited && p.Pass {
					t.Errorf("generator-limited point %+v passed", p)
				}
			}
		})
	}
}

// A generator-limited point with nothing passed yet is no failure: the
// search steps down from it and brackets the capacity below, and the
// failing rate is a judged one.
func TestCapacityGeneratorLimitedSteppedOver(t *testing.T) {
	m := &sim{mu: 5000, genAbove: 8000}
	s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms"), ProbeRate: 20000, StartFactor: 2}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Points[1].Offered <= 8000 || !c.Points[1].GeneratorLimited || c.Points[1].Pass {
		t.Fatalf("first full point %+v: want it above the generator's limit and unjudged", c.Points[1])
	}
	if !c.Converged || c.GeneratorLimited || c.Failing >= 8000 || c.RPS > knee(5000, 5*time.Millisecond) {
		t.Errorf("capacity %s: want converged below the generator's limit, the failing rate a judged one", c.String())
	}
}

// A run error ends the search with what its points established: not a
// number, and not "below" when a rate had passed.
func TestCapacityRunErrorKeepsTheBracket(t *testing.T) {
	boom := errors.New("boom")
	m := &sim{mu: 10000, fail: boom, failAfter: 3}
	s := load.CapacitySearch{Run: m.run, Objectives: slos(t, "p99 <= 5ms")}
	c, err := s.Find(context.Background())
	if !errors.Is(err, boom) || c.Converged {
		t.Fatalf("err %v, converged %v", err, c.Converged)
	}
	var passed float64
	for _, p := range c.Points {
		if p.Pass && p.Offered > passed {
			passed = p.Offered
		}
	}
	if c.RPS != passed {
		t.Errorf("RPS %v after an error, want the highest pass so far %v", c.RPS, passed)
	}
	if got, _ := c.Stats(nil).Censored(); got == results.Exact {
		t.Errorf("an interrupted search reads as a number")
	}
}

// A point that met its objectives stands although the generator was late
// (its lateness is inside the latency, timed from the intended sends):
// generator-limited points are failures the generator may have caused.
func TestCapacityGeneratorLatePassStands(t *testing.T) {
	m := &sim{mu: 10000}
	late := load.RunFunc(func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) {
		tr, err := m.run(ctx, rate, hold)
		// late on every point, passing or not, by as much as the p99
		tr.GeneratorLimited, tr.GeneratorDelayP99NS = true, tr.Latency.P99
		return tr, err
	})
	c, err := load.CapacitySearch{Run: late, Objectives: slos(t, "p99 <= 5ms")}.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Points[1:] {
		if pass := p.SLO[0].Pass && !p.Cut; p.Pass != pass || p.GeneratorLimited == pass {
			t.Errorf("point %+v: a pass must stand, a failure be unjudged", p)
		}
	}
	if c.RPS <= 0 || c.Converged || !c.GeneratorLimited {
		t.Errorf("capacity %s: want the passes kept and the search stopped at its first unjudged failure", c.String())
	}
}

// A failure whose p99 misses its bound by more than the generator's own
// delays is the server's (or the machine's both share): judged, though the
// generator was late beyond its tolerance; one within them is not.
func TestCapacityGeneratorLateFailureJudged(t *testing.T) {
	m := &sim{mu: 10000}
	late := load.RunFunc(func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) {
		tr, err := m.run(ctx, rate, hold)
		tr.GeneratorLimited, tr.GeneratorDelayP99NS = true, int64(6*time.Millisecond) // late, a little
		return tr, err
	})
	s := load.CapacitySearch{Run: late, Objectives: slos(t, "p99 <= 20ms")}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Points[1:] {
		if p.GeneratorLimited && p.P99 > int64(26*time.Millisecond) {
			t.Errorf("point %+v: p99 %v fails the 20ms bound without the generator's 6ms delays, yet not judged", p, time.Duration(p.P99))
		}
	}
	// 12000 req/s is far past mu: p99 of hundreds of ms, the server's
	if c.Failing < 12000 || c.RPS <= 0 {
		t.Errorf("capacity %s: the server's failure at 12000 req/s must bound the bracket", c.String())
	}
}

// Nothing passed and the search ended on a point the generator could not
// send: the capacity is below the lowest rate judged, not below that point.
func TestCapacityBelowSkipsUnjudgedPoints(t *testing.T) {
	m := &sim{mu: 100}
	s := load.CapacitySearch{Objectives: slos(t, "p99 <= 5ms"), MinRate: 1000, MinHold: 100 * time.Millisecond, ProbeRate: 3000, StartFactor: 30}
	s.Run = func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) {
		tr, err := m.run(ctx, rate, hold)
		if rate <= 1000 { // the floor's point: the generator stalled through it
			tr.GeneratorLimited, tr.GeneratorDelayP99NS = true, tr.Latency.P99
		}
		return tr, err
	}
	c, err := s.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	last := c.Points[len(c.Points)-1]
	if !last.GeneratorLimited || last.Offered != 1000 || c.BelowMin {
		t.Fatalf("last point %+v, below-min %v: want the floor's point unjudged", last, c.BelowMin)
	}
	how, bound := c.Stats(nil).Censored()
	if how != results.Below || bound <= 1000 || bound != c.Failing {
		t.Errorf("censored %q at %v: want below the lowest judged failure %v", how, bound, c.Failing)
	}
}

// A point that fails on errors (every answer a 503) is the server's
// failure whatever the generator's delays: judged.
func TestCapacityGeneratorLateErrorsJudged(t *testing.T) {
	m := &sim{mu: 10000, shed: true}
	late := load.RunFunc(func(ctx context.Context, rate float64, hold time.Duration) (results.Trial, error) {
		tr, err := m.run(ctx, rate, hold)
		tr.GeneratorLimited, tr.GeneratorDelayP99NS = true, int64(time.Second) // far behind
		return tr, err
	})
	c, err := load.CapacitySearch{Run: late, Objectives: slos(t, "success >= 99%")}.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Points[1:] {
		if p.GeneratorLimited {
			t.Errorf("point %+v: failed on 503s, yet not judged", p)
		}
	}
	if !c.Converged {
		t.Errorf("capacity %s: want converged on the 503s", c.String())
	}
}

package results

// SeedStats is what a seed-design trial (Trial.Kind "seed-naive",
// "seed-spsc", "seed-thread", "seed-unbounded", "seed-careless") measured
// beyond its load, for the seed's design and for the corrected variant
// beside it alike. Zero fields are left out of the JSON.
type SeedStats struct {
	// SeedDesign: /health said "seed_design": true.
	SeedDesign bool `json:"seed_design,omitempty"`

	// lock=naive: the server process died during the trial. Reason is
	// what its log says ("concurrent map writes", or the first "fatal
	// error" line), Requests the answers it gave before it died (2xx and
	// 429), Clients the step's concurrent clients.
	Crashed     bool   `json:"crashed,omitempty"`
	CrashReason string `json:"crash_reason,omitempty"`
	Requests    int64  `json:"requests,omitempty"`  // requests answered (up to the crash, if any)
	FreshIDs    int64  `json:"fresh_ids,omitempty"` // distinct client ids sent (each new to the server's maps)

	// metrics=spsc (and the recorder beside it): events offered against
	// events the flusher read. spsc counts from /health seed.spsc (Lost =
	// Offered - Flushed, Torn: slots whose fields disagree); any other
	// recorder from GET /metrics clients (recorded, flushed, dropped).
	IDs     int    `json:"ids,omitempty"` // client ids the step's clients shared
	Offered uint64 `json:"offered,omitempty"`
	Flushed uint64 `json:"flushed,omitempty"`
	Lost    uint64 `json:"lost,omitempty"`
	Torn    uint64 `json:"torn,omitempty"`
	Overrun uint64 `json:"overrun,omitempty"`

	// executor=thread (and the executor beside it): the most OS threads
	// and RSS sampled from /health during the load, and the thread
	// executor's own peak of connections holding a thread.
	OSThreads     int   `json:"os_threads,omitempty"`
	RSSBytes      int64 `json:"rss_bytes,omitempty"`
	ThreadPeak    int   `json:"thread_peak,omitempty"`
	ThreadOverCap int64 `json:"thread_over_cap,omitempty"`

	// writer=unbounded (and the writer beside it): /health sampled during
	// the overload, and what SIGTERM right after it lost.
	Samples        []SeedSample `json:"samples,omitempty"`
	PeakQueueBytes int64        `json:"peak_queue_bytes,omitempty"`
	DroppedLines   int64        `json:"dropped_lines,omitempty"` // acknowledged metrics the data file lacks after SIGTERM

	// parser=careless (and the parser beside it): the corpus per input
	// class, judged against the data file.
	Careless []CarelessRow `json:"careless,omitempty"`
}

// SeedSample is one /health sample of a seed-unbounded trial.
type SeedSample struct {
	AtNS        int64 `json:"at_ns"` // since the load started
	RSSBytes    int64 `json:"rss_bytes"`
	QueueDepth  int   `json:"queue_depth"`  // batches queued (writer)
	QueuedBytes int64 `json:"queued_bytes"` // writer=unbounded: bytes those batches hold
}

// CarelessRow is one input class of the parser corpus: how many inputs,
// and of them how many were parsed correctly or rejected correctly, gave a
// wrong value (acknowledged, but the file holds other metrics than the
// input says), accepted garbage (invalid input acknowledged) or refused
// valid input (valid input answered 400).
type CarelessRow struct {
	Class   string `json:"class"`
	Inputs  int    `json:"inputs"`
	Right   int    `json:"right"`
	Wrong   int    `json:"wrong_value"`
	Garbage int    `json:"accepted_garbage"`
	Refused int    `json:"refused_valid"`
}

// Broken is the inputs of r the parser got wrong.
func (r CarelessRow) Broken() int { return r.Wrong + r.Garbage + r.Refused }

var (
	seedCrashed = KindUnit{Unit{"crashed", "server crashed", "lower"},
		func(t *Trial) float64 {
			if t.Seed != nil && t.Seed.Crashed {
				return 1
			}
			return 0
		}}
	seedLossPct = KindUnit{Unit{"lost-events-%", "events lost", "lower"},
		func(t *Trial) float64 {
			if t.Seed == nil || t.Seed.Offered == 0 {
				return 0
			}
			return 100 * float64(t.Seed.Lost) / float64(t.Seed.Offered)
		}}
	seedThreads = KindUnit{Unit{"os-threads", "OS threads", "lower"},
		func(t *Trial) float64 {
			if t.Seed == nil {
				return 0
			}
			return float64(t.Seed.OSThreads)
		}}
	seedRSS = KindUnit{Unit{"rss-bytes", "resident memory", "lower"},
		func(t *Trial) float64 {
			if t.Seed == nil {
				return 0
			}
			return float64(t.Seed.RSSBytes)
		}}
	seedBroken = KindUnit{Unit{"broken-inputs", "inputs parsed wrong", "lower"},
		func(t *Trial) float64 {
			n := 0
			if t.Seed != nil {
				for _, r := range t.Seed.Careless {
					n += r.Broken()
				}
			}
			return float64(n)
		}}
)

func init() {
	KindUnits["seed-naive"] = []KindUnit{lostMetrics, seedCrashed}
	KindUnits["seed-spsc"] = []KindUnit{lostMetrics, seedLossPct}
	KindUnits["seed-thread"] = []KindUnit{lostMetrics, seedThreads, seedRSS}
	KindUnits["seed-unbounded"] = []KindUnit{lostMetrics, seedRSS}
	KindUnits["seed-careless"] = []KindUnit{lostMetrics, seedBroken}
}

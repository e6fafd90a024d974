package analysis

import (
	"fmt"
	"slices"

	"metricstream/harness/results"
)

// The seed's designs (issue 13): for each seed-design scenario of the run,
// what the seed's design did beside the corrected variant, per load step,
// and the headline: what broke, at what load, measured.

// Seed is one seed-design scenario's section.
type Seed struct {
	Scenario string
	Kind     string
	Headline string    // what broke, at what load; beside the corrected variant
	Rows     []SeedRow // one per trial, in cell then variant order
	// Careless: the parser corpus per variant (seed-careless only).
	Careless []CarelessTable
}

// SeedRow is one trial of a seed-design scenario as a sentence.
type SeedRow struct {
	Cell       Cell
	Variant    string
	SeedDesign bool // the variant runs the seed's design (its /health said so)
	Text       string
}

// CarelessTable is one variant's outcome per input class.
type CarelessTable struct {
	Variant    string
	SeedDesign bool
	Rows       []results.CarelessRow
}

// seedKinds are the seed-design trial kinds, in report order.
var seedKinds = []string{"seed-careless", "seed-unbounded", "seed-naive", "seed-spsc", "seed-thread"}

// seedDesigns fills SeedDesigns.
func (a *Analysis) seedDesigns() {
	byScenario := map[string][]*results.Trial{}
	var order []string
	for i := range a.Run.Trials {
		t := &a.Run.Trials[i]
		if !slices.Contains(seedKinds, t.Kind) {
			continue
		}
		if _, ok := byScenario[t.Scenario]; !ok {
			order = append(order, t.Scenario)
		}
		byScenario[t.Scenario] = append(byScenario[t.Scenario], t)
	}
	slices.SortStableFunc(order, func(x, y string) int {
		return slices.Index(seedKinds, byScenario[x][0].Kind) - slices.Index(seedKinds, byScenario[y][0].Kind)
	})
	for _, sc := range order {
		ts := byScenario[sc]
		f := Seed{Scenario: sc, Kind: ts[0].Kind}
		for _, c := range a.ix.cells {
			if c.Scenario != sc {
				continue
			}
			for _, v := range a.ix.variants {
				for _, t := range a.ix.byCell[c][v] {
					f.Rows = append(f.Rows, SeedRow{Cell: c, Variant: v, SeedDesign: isSeedTrial(t), Text: SeedText(t)})
				}
			}
		}
		if f.Kind == "seed-careless" {
			for _, v := range a.ix.variants {
				for _, t := range a.ix.byCell[Cell{Scenario: sc}][v] {
					if t.Seed != nil {
						f.Careless = append(f.Careless, CarelessTable{Variant: v, SeedDesign: t.Seed.SeedDesign, Rows: t.Seed.Careless})
						break
					}
				}
			}
		}
		f.Headline = seedHeadline(f.Kind, ts)
		a.SeedDesigns = append(a.SeedDesigns, f)
	}
}

func isSeedTrial(t *results.Trial) bool { return t.Seed != nil && t.Seed.SeedDesign }

// SeedText is one seed-design trial as a sentence.
func SeedText(t *results.Trial) string {
	s := t.Seed
	if s == nil {
		return "no seed-design measurement recorded"
	}
	switch t.Kind {
	case "seed-naive":
		if s.Crashed {
			return fmt.Sprintf("crashed after %d requests at %d clients: %s", s.Requests, t.Clients, s.CrashReason)
		}
		return fmt.Sprintf("did not crash at %d clients: %d requests answered in %s, each a fresh client id (success %.1f%%)",
			t.Clients, s.Requests, FormatNS(float64(t.DurationNS)), t.SuccessPct)
	case "seed-spsc":
		return fmt.Sprintf("%d clients on %d client id(s): offered %d events, flushed %d, lost %d (%s), torn %d, overrun %d",
			t.Clients, s.IDs, s.Offered, s.Flushed, s.Lost, lossPct(s), s.Torn, s.Overrun)
	case "seed-thread":
		return fmt.Sprintf("%d clients: %d OS threads, RSS %s (most sampled), thread peak %d, over cap %d; p99 %s, success %.1f%%",
			t.Clients, s.OSThreads, FormatBytes(s.RSSBytes), s.ThreadPeak, s.ThreadOverCap, FormatNS(float64(t.Latency.P99)), t.SuccessPct)
	case "seed-unbounded":
		first, last := int64(0), int64(0)
		depth := 0
		if n := len(s.Samples); n > 0 {
			first, last = s.Samples[0].RSSBytes, s.Samples[n-1].RSSBytes
			for _, x := range s.Samples {
				depth = max(depth, x.QueueDepth)
			}
		}
		return fmt.Sprintf("RSS %s → %s over %s (peak %s; %d samples), most batches queued %d, peak queued bytes %s; acknowledged %d metrics, %d lost on SIGTERM; 2xx %d, 503 %d",
			FormatBytes(first), FormatBytes(last), FormatNS(float64(t.DurationNS)), FormatBytes(s.RSSBytes), len(s.Samples), depth,
			FormatBytes(s.PeakQueueBytes), t.Acked, t.Lost, t.Counts.Status2xx, t.Counts.Status503)
	case "seed-careless":
		var in, wrong, garbage, refused int
		for _, r := range s.Careless {
			in += r.Inputs
			wrong += r.Wrong
			garbage += r.Garbage
			refused += r.Refused
		}
		return fmt.Sprintf("%d inputs: %d wrong value, %d accepted garbage, %d refused valid input", in, wrong, garbage, refused)
	}
	return ""
}

func lossPct(s *results.SeedStats) string {
	if s.Offered == 0 {
		return "no events"
	}
	return fmt.Sprintf("%.3g%%", 100*float64(s.Lost)/float64(s.Offered))
}

// FormatBytes formats a byte count in MiB (KiB below 1 MiB).
func FormatBytes(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// seedHeadline says what broke and at what load: the seed design's
// trials beside the corrected variant's.
func seedHeadline(kind string, ts []*results.Trial) string {
	var seed, fix []*results.Trial
	for _, t := range ts {
		if isSeedTrial(t) {
			seed = append(seed, t)
		} else {
			fix = append(fix, t)
		}
	}
	if len(seed) == 0 {
		return "no trial of the seed's design in this run"
	}
	fixVar := "the corrected variant"
	if len(fix) > 0 {
		fixVar = fix[0].Variant
	}
	switch kind {
	case "seed-naive":
		most, crashed := 0, 0
		var n int64
		var first *results.Trial
		for _, t := range seed {
			if t.Seed.Crashed {
				crashed++
				if first == nil || t.Clients < first.Clients {
					first = t
				}
			}
		}
		if first != nil {
			return fmt.Sprintf("%s %s; %d of %d trials crashed (%s, same load: %s)", first.Variant, SeedText(first), crashed, len(seed), fixVar, fixAt(fix, first, "no crash"))
		}
		for _, t := range seed {
			if t.Clients > most {
				most, n = t.Clients, t.Seed.Requests
			}
		}
		return fmt.Sprintf("%s did not crash at up to %d clients (%d requests at that step, every one a fresh client id); Go's map-write check fires only when two inserts overlap, and an insert is a sliver of a request", seed[0].Variant, most, n)
	case "seed-spsc":
		var first *results.Trial
		for _, t := range seed {
			if t.Seed.Lost > 0 && (first == nil || t.Clients < first.Clients) {
				first = t
			}
		}
		if first == nil {
			return fmt.Sprintf("%s lost no event at up to %d clients", seed[0].Variant, maxClients(seed))
		}
		return fmt.Sprintf("%s loses events from %d clients on one id: %s; %s at the same load: %s", first.Variant, first.Clients, lossLine(first),
			fixVar, fixAt(fix, first, "not run"))
	case "seed-thread":
		t := maxTrial(seed)
		return fmt.Sprintf("%s at %d clients: %d OS threads, RSS %s, p99 %s; %s: %s", t.Variant, t.Clients, t.Seed.OSThreads, FormatBytes(t.Seed.RSSBytes),
			FormatNS(float64(t.Latency.P99)), fixVar, fixAt(fix, t, "not run"))
	case "seed-unbounded", "seed-careless":
		t := seed[0]
		return fmt.Sprintf("%s: %s; %s: %s", t.Variant, SeedText(t), fixVar, fixAt(fix, t, "not run"))
	}
	return ""
}

func lossLine(t *results.Trial) string {
	return fmt.Sprintf("%d of %d lost (%s), %d torn", t.Seed.Lost, t.Seed.Offered, lossPct(t.Seed), t.Seed.Torn)
}

// fixAt is the corrected variant's sentence in t's cell.
func fixAt(fix []*results.Trial, t *results.Trial, none string) string {
	for _, f := range fix {
		if f.Step == t.Step {
			if f.Kind == "seed-spsc" {
				return lossLine(f)
			}
			return SeedText(f)
		}
	}
	return none
}

func maxClients(ts []*results.Trial) int {
	return maxTrial(ts).Clients
}

func maxTrial(ts []*results.Trial) *results.Trial {
	m := ts[0]
	for _, t := range ts {
		if t.Clients > m.Clients {
			m = t
		}
	}
	return m
}

package report

import (
	"fmt"
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/results"
)

// mergeHDR merges the histograms of trials; nil when none has one. Trials
// whose histogram does not decode are counted in bad.
func mergeHDR(ts []*results.Trial) (h *hdrhistogram.Histogram, bad int) {
	for _, t := range ts {
		if t.HDR == "" {
			continue
		}
		th, err := results.DecodeHDR(t.HDR)
		if err != nil {
			bad++
			continue
		}
		if h == nil {
			h = hdrhistogram.New(th.LowestTrackableValue(), th.HighestTrackableValue(), int(th.SignificantFigures()))
		}
		h.Merge(th)
	}
	if h != nil && h.TotalCount() == 0 {
		h = nil
	}
	return h, bad
}

// spectrumTicksPerDecade is how many points the spectrum has per "nine".
const spectrumTicksPerDecade = 10

// Spectrum returns the latency percentile spectrum of h in wrk2 style:
// X = 1/(1-q) for quantile q (so 10 is p90, 100 is p99, …), Y = latency in
// ms. It stops at the resolution of the data (1/(1-q) ≤ total count) or at
// p99.9999.
func Spectrum(h *hdrhistogram.Histogram) []Point {
	var pts []Point
	total := float64(h.TotalCount())
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/spectrumTicksPerDecade)
		if x > total || x > 1e6 {
			break
		}
		q := 1 - 1/x
		pts = append(pts, Point{x, float64(h.ValueAtQuantile(q*100)) / 1e6})
	}
	return pts
}

// spectrumTicks labels the percentile axis up to max.
func spectrumTicks(max float64) []Tick {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	var ts []Tick
	for i, l := range labels {
		v := math.Pow(10, float64(i))
		if v > max*1.0001 {
			break
		}
		ts = append(ts, Tick{v, l})
	}
	return ts
}

// spectrumCharts draws, per scenario, the percentile spectrum of each
// variant from its HDR histograms merged across trials. Stepped scenarios
// use their highest step.
func spectrumCharts(ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Latency percentile spectrum"
	var cs []Chart
	var sk []Skipped
	for _, s := range ix.scenarios() {
		cells := ix.cellsOf(s)
		cell := cells[len(cells)-1]
		c := Chart{
			File:   fileName("spectrum", cell.String()),
			Title:  title + " — " + cell.String(),
			XLabel: "percentile",
			YLabel: "latency (ms)",
			LogX:   true,
			Note:   "HDR histograms merged across all trials of each variant; latency from the intended send time in open-loop scenarios.",
		}
		if len(cells) > 1 {
			c.Note += " Highest step of the scenario."
		}
		var bad int
		maxX := 0.0
		for _, v := range ix.variants {
			h, b := mergeHDR(ix.byCell[cell][v])
			bad += b
			if h == nil {
				continue
			}
			pts := Spectrum(h)
			var keep []Point
			for _, p := range pts {
				if p.Y > 0 {
					keep = append(keep, p)
					maxX = math.Max(maxX, p.X)
				}
			}
			if len(keep) > 0 {
				c.Series = append(c.Series, Series{Name: fmt.Sprintf("%s (n=%d)", v, h.TotalCount()), Color: ix.color[v], Points: keep})
			}
		}
		if bad > 0 {
			c.Note += fmt.Sprintf(" %d trial histograms did not decode and were left out.", bad)
		}
		if len(c.Series) == 0 || maxX < 10 {
			sk = append(sk, Skipped{title + " — " + cell.String(), "no trial of this cell carries an HDR histogram with enough values"})
			continue
		}
		c.LogY = spansDecade(c.Series)
		c.XTicks = spectrumTicks(maxX)
		cs = append(cs, c)
	}
	if len(ix.scenarios()) == 0 {
		sk = append(sk, Skipped{title, "the run has no trials"})
	}
	return cs, sk
}

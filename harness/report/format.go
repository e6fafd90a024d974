package report

// Numbers in words: every renderer formats a figure here, as benchstat
// prints it (three significant digits, SI prefixes, durations).

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"metricstream/harness/analysis"
)

// FormatN is the trial counts of a comparison: "6", or "6+5" when they differ.
func FormatN(n1, n2 int) string {
	if n1 == n2 {
		return strconv.Itoa(n1)
	}
	return strconv.Itoa(n1) + "+" + strconv.Itoa(n2)
}

// FormatP formats a p-value with benchstat's precision.
func FormatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "-"
	case p < 0.001 && p > 0:
		return strconv.FormatFloat(p, 'g', 2, 64)
	}
	return fmt.Sprintf("%.3f", p)
}

// FormatDelta formats a percent change with its sign: "+212%", "-3.4%".
func FormatDelta(d float64) string {
	switch {
	case math.IsNaN(d):
		return "-"
	case math.IsInf(d, 0):
		return map[bool]string{true: "+∞", false: "−∞"}[d > 0]
	case math.Abs(d) >= 99.95:
		return fmt.Sprintf("%+.0f%%", d)
	}
	return fmt.Sprintf("%+.1f%%", d)
}

// FormatPct formats a magnitude in percent: "8.1%", "212%", "∞".
func FormatPct(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 0):
		return "∞"
	case math.Abs(v) >= 99.95:
		return fmt.Sprintf("%.0f%%", v)
	}
	return fmt.Sprintf("%.1f%%", v)
}

// FormatValue formats v in unit for a table: latency as a duration, success
// as a percentage, rates with SI prefixes.
func FormatValue(unit string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case unit == "ns/op" || strings.HasSuffix(unit, "-ns"):
		return FormatNS(v)
	case unit == "success-%":
		return fmt.Sprintf("%.1f%%", v)
	case unit == "req/s" || unit == "capacity-req/s":
		return FormatSI(v) + "/s"
	}
	return FormatSI(v)
}

// FormatNS formats nanoseconds as a duration with three significant digits.
func FormatNS(ns float64) string {
	a := math.Abs(ns)
	switch {
	case a >= 999.5e6:
		return sig3(ns/1e9) + "s"
	case a >= 999.5e3:
		return sig3(ns/1e6) + "ms"
	case a >= 999.5:
		return sig3(ns/1e3) + "µs"
	}
	return sig3(ns) + "ns"
}

// FormatSI formats v with three significant digits and an SI prefix.
func FormatSI(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 999.5e6:
		return sig3(v/1e9) + "G"
	case a >= 999.5e3:
		return sig3(v/1e6) + "M"
	case a >= 999.5:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

// sig3 prints three significant digits without exponent.
func sig3(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 99.95:
		return fmt.Sprintf("%.0f", v)
	case a >= 9.995:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// FormatSummary formats a summary as benchstat does: "2.10ms ± 3%", or the
// median with the reason there is no interval.
func FormatSummary(unit string, s analysis.Summary) string {
	v := FormatValue(unit, s.Center)
	if !s.HasCI {
		return fmt.Sprintf("%s (n=%d, no CI)", v, s.N)
	}
	return v + " ± " + pctRange(s)
}

// pctRange is the half-width of the interval as a percentage of the median,
// as benchmath.Summary.PctRangeString computes it.
func pctRange(s analysis.Summary) string {
	if s.Center == 0 {
		if s.Lo == 0 && s.Hi == 0 {
			return "0%"
		}
		return "∞"
	}
	r := math.Max(s.Hi/s.Center-1, 1-s.Lo/s.Center)
	return fmt.Sprintf("%.0f%%", 100*r)
}

// FormatBytes formats a byte count in MiB (KiB below 1 MiB).
func FormatBytes(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"metricstream/harness/results"
	"metricstream/internal/clip"
)

// SLO is one threshold, e.g. "success >= 99%" or "p99 <= 5ms".
//
// Metrics: success (% of requests answered 2xx in time), p50, p90, p99,
// p99.9, max, mean (latency; a value with a unit: ns, us/µs, ms, s),
// throughput (2xx req/s), late (% of open-loop requests sent late), and
// errors (% of requests that were not 2xx). Operators: < <= > >= ==.
type SLO struct {
	Expr   string
	Metric string
	Op     string
	Value  float64 // ns for latencies, percent for success/late/errors, req/s for throughput
}

var latencyMetrics = map[string]func(results.Latency) float64{
	"p50":   func(l results.Latency) float64 { return float64(l.P50) },
	"p90":   func(l results.Latency) float64 { return float64(l.P90) },
	"p99":   func(l results.Latency) float64 { return float64(l.P99) },
	"p99.9": func(l results.Latency) float64 { return float64(l.P999) },
	"p999":  func(l results.Latency) float64 { return float64(l.P999) },
	"max":   func(l results.Latency) float64 { return float64(l.Max) },
	"mean":  func(l results.Latency) float64 { return l.Mean },
}

// ParseSLO parses one threshold expression.
func ParseSLO(expr string) (SLO, error) {
	f := strings.Fields(expr)
	if len(f) != 3 {
		return SLO{}, fmt.Errorf("%q is not METRIC OP VALUE, e.g. \"p99 <= 5ms\"", clip.String(expr))
	}
	s := SLO{Expr: expr, Metric: strings.ToLower(f[0]), Op: f[1]}
	switch s.Op {
	case "<", "<=", ">", ">=", "==":
	default:
		return SLO{}, fmt.Errorf("%q: unknown operator %q (< <= > >= ==)", clip.String(expr), clip.String(s.Op))
	}
	v := f[2]
	switch {
	case s.Metric == "success" || s.Metric == "late" || s.Metric == "errors":
		n, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil || !strings.HasSuffix(v, "%") || n < 0 || n > 100 {
			return SLO{}, fmt.Errorf("%q: %s takes a percentage 0%%..100%%, got %q", clip.String(expr), s.Metric, clip.String(v))
		}
		s.Value = n
	case s.Metric == "throughput":
		n, err := strconv.ParseFloat(strings.TrimSuffix(v, "/s"), 64)
		if err != nil || n < 0 {
			return SLO{}, fmt.Errorf("%q: throughput takes requests per second, e.g. 1000/s, got %q", clip.String(expr), clip.String(v))
		}
		s.Value = n
	case latencyMetrics[s.Metric] != nil:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return SLO{}, fmt.Errorf("%q: %s takes a duration like 5ms, got %q", clip.String(expr), s.Metric, clip.String(v))
		}
		s.Value = float64(d)
	default:
		return SLO{}, fmt.Errorf("%q: unknown metric %q (success, errors, late, throughput, p50, p90, p99, p99.9, max, mean)", clip.String(expr), clip.String(f[0]))
	}
	return s, nil
}

// Measure returns the SLO's metric for a trial.
func (s SLO) Measure(t *results.Trial) float64 {
	switch s.Metric {
	case "success":
		return t.SuccessPct
	case "errors":
		if t.Counts.Total() == 0 {
			return 0
		}
		return 100 - t.SuccessPct
	case "late":
		if n := t.Counts.Total(); n > 0 {
			return 100 * float64(t.Counts.Late) / float64(n)
		}
		return 0
	case "throughput":
		return t.Throughput
	}
	return latencyMetrics[s.Metric](t.Latency)
}

// Eval checks the SLO against a trial. A trial with no requests fails.
func (s SLO) Eval(t *results.Trial) results.SLOResult {
	v := s.Measure(t)
	pass := t.Counts.Total() > 0
	switch s.Op {
	case "<":
		pass = pass && v < s.Value
	case "<=":
		pass = pass && v <= s.Value
	case ">":
		pass = pass && v > s.Value
	case ">=":
		pass = pass && v >= s.Value
	case "==":
		pass = pass && v == s.Value
	}
	return results.SLOResult{Expr: s.Expr, Value: v, Pass: pass}
}

// EvalAll checks every SLO of sc against t.
func EvalAll(slos []SLO, t *results.Trial) []results.SLOResult {
	var out []results.SLOResult
	for _, s := range slos {
		out = append(out, s.Eval(t))
	}
	return out
}

// Passed reports whether every result passed.
func Passed(rs []results.SLOResult) bool {
	for _, r := range rs {
		if !r.Pass {
			return false
		}
	}
	return true
}

// Remeasure evaluates each SLO expression of t again on t as it is now
// (after results.Merge combined the trials of several hosts); expressions
// that no longer parse are dropped.
func Remeasure(t *results.Trial) {
	var out []results.SLOResult
	for _, r := range t.SLO {
		slo, err := ParseSLO(r.Expr)
		if err != nil {
			continue
		}
		out = append(out, slo.Eval(t))
	}
	t.SLO = out
}

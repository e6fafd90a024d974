package scenario_test

import (
	"fmt"

	"metricstream/harness/scenario"
)

// A scenario's "slo" entries are METRIC OP VALUE; the value is stored in
// the metric's unit: percent, requests per second, or nanoseconds for a
// latency.
func ExampleParseSLO() {
	for _, expr := range []string{"success >= 99%", "p99 <= 5ms", "P99.9 < 250us", "throughput > 1000/s", "p99 <= 5", "success >= 99"} {
		s, err := scenario.ParseSLO(expr)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%-22q metric=%s op=%s value=%g\n", expr, s.Metric, s.Op, s.Value)
	}
	// Output:
	// "success >= 99%"       metric=success op=>= value=99
	// "p99 <= 5ms"           metric=p99 op=<= value=5e+06
	// "P99.9 < 250us"        metric=p99.9 op=< value=250000
	// "throughput > 1000/s"  metric=throughput op=> value=1000
	// error: "p99 <= 5": p99 takes a duration like 5ms, got "5"
	// error: "success >= 99": success takes a percentage 0%..100%, got "99"
}

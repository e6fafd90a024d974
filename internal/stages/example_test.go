package stages

import (
	"fmt"
	"strings"
	"time"
)

// How the server uses a Timer: one Sample per connection, Begin when a
// request's first byte is there, a Mark at the end of each stage. Here a
// manual clock stands in for the request's work.
func Example() {
	t, clock := manual(1) // the server: New(every) from its -stages flag
	var s Sample          // a field of the connection
	for range 10 {
		t.Begin(&s)
		for _, st := range []struct {
			d     time.Duration
			stage Stage
		}{{2 * time.Microsecond, ReadHeader}, {40 * time.Nanosecond, RateLimit}, {160 * time.Nanosecond, Record},
			{time.Microsecond, ReadBody}, {0, Queue}, {3 * time.Microsecond, Parse}, {time.Microsecond, Validate},
			{800 * time.Nanosecond, Encode}, {time.Microsecond, Write}, {time.Microsecond, Respond}} {
			clock.advance(st.d)
			s.Mark(st.stage)
		}
		s.End()
	}
	snap := t.Snapshot()
	fmt.Printf("%d requests timed, %.0f ns each\n", snap.Sampled, snap.MeanNS)
	bounds, _ := Bounds(snap)
	for _, b := range bounds {
		fmt.Printf("%s: %.1f%% of request time (%s)\n", b.Dimension, 100*b.Share, strings.Join(b.Stages, ", "))
	}
	p, _ := Predict(snap, "parser", 500) // a parser costing 500 ns instead of 3 µs
	fmt.Printf("parser at 500 ns: request %.0f → %.0f ns (%+.0f%%), %.2f× throughput\n", p.RequestNS, p.PredictedNS, 100*p.TimeChange, p.Speedup)
	// Output:
	// 10 requests timed, 10000 ns each
	// parser: 30.0% of request time (parse)
	// writer: 10.0% of request time (write)
	// lock: 0.4% of request time (rate_limit)
	// metrics: 1.6% of request time (record)
	// executor: 0.0% of request time (queue)
	// limiter: 0.4% of request time (rate_limit)
	// parser at 500 ns: request 10000 → 7500 ns (-25%), 1.33× throughput
}

package limiter_test

import (
	"fmt"
	"time"

	"metricstream/variants/limiter"
)

// A limiter on scripted time: Allow takes the arrival instant as a
// parameter, so a script of arrivals gives the same decisions on every run.
// A window of 3 per second admits 3 at once, refuses the 4th until the
// first admission leaves the window; a token bucket of the same rate
// refuses until one token (1/3 s) has refilled.
func Example_scriptedTime() {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, nw := range []struct {
		name string
		new  limiter.New
	}{{"window", limiter.NewWindow}, {"bucket", limiter.NewBucket}} {
		l, err := nw.new(limiter.Config{Limit: 3})
		if err != nil {
			panic(err)
		}
		fmt.Println(nw.name)
		for _, at := range []time.Duration{0, 0, 0, 0, 400 * time.Millisecond, time.Second} {
			d := l.Allow("client-a", t0.Add(at))
			fmt.Printf("  t0+%-5v allowed=%-5v retry-after=%v\n", at, d.Allowed, d.RetryAfter)
		}
	}
	// Output:
	// window
	//   t0+0s    allowed=true  retry-after=0s
	//   t0+0s    allowed=true  retry-after=0s
	//   t0+0s    allowed=true  retry-after=0s
	//   t0+0s    allowed=false retry-after=1s
	//   t0+400ms allowed=false retry-after=600ms
	//   t0+1s    allowed=true  retry-after=0s
	// bucket
	//   t0+0s    allowed=true  retry-after=0s
	//   t0+0s    allowed=true  retry-after=0s
	//   t0+0s    allowed=true  retry-after=0s
	//   t0+0s    allowed=false retry-after=333.333334ms
	//   t0+400ms allowed=true  retry-after=0s
	//   t0+1s    allowed=true  retry-after=0s
}

package variants_test

import (
	"fmt"

	"metricstream/variants"
)

// Parse takes a preset name or a spec; dimensions a spec does not name take
// their default, so a spec names only what differs from optimized.
func ExampleParse() {
	for _, spec := range []string{"baseline", "parser=find, writer=sync", "", "colour=red", "lock=global,lock=pooled"} {
		s, err := variants.Parse(spec)
		if err != nil {
			fmt.Printf("%q: %v\n", spec, err)
			continue
		}
		fmt.Printf("%q: %s (preset %q)\n", spec, s, s.Preset())
	}
	// the build tags that select a set
	s, _ := variants.Parse("phase3")
	fmt.Println(s.Tags())
	// Output:
	// "baseline": parser=find,writer=sync,lock=global,metrics=mutex,executor=spawn,limiter=window (preset "baseline")
	// "parser=find, writer=sync": parser=find,writer=sync,lock=pooled,metrics=lockfree,executor=pool,limiter=window (preset "")
	// "": parser=fsm,writer=async,lock=pooled,metrics=lockfree,executor=pool,limiter=window (preset "phase6")
	// "colour=red": variants: unknown dimension "colour"; dimensions are parser, writer, lock, metrics, executor, limiter
	// "lock=global,lock=pooled": variants: dimension "lock" given twice in "lock=global,lock=pooled"
	// parser_fsm,writer_async,lock_global,metrics_mutex,executor_spawn,limiter_window
}

package stages

import (
	"testing"
)

// BenchmarkRequest is what timing costs a request: Begin, a Mark for each
// of the NumStages stages, End, with the timer off, timing 1 in 64
// requests, and timing every request; serial, and from every core at once
// (RunParallel: the sampled requests' atomic adds on shared counters).
// Divide by a real request's cost (tens of µs of server time) for the
// overhead.
func BenchmarkRequest(b *testing.B) {
	for _, c := range []struct {
		name  string
		every Every
	}{{"stages=off", 0}, {"stages=1in64", 64}, {"stages=all", 1}} {
		every, name := c.every, c.name
		b.Run(name+"/serial", func(b *testing.B) {
			tm := New(every)
			var s Sample
			b.ReportAllocs()
			for b.Loop() {
				tm.Begin(&s)
				for st := range NumStages {
					s.Mark(st)
				}
				s.End()
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			tm := New(every)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var s Sample
				for pb.Next() {
					tm.Begin(&s)
					for st := range NumStages {
						s.Mark(st)
					}
					s.End()
				}
			})
		})
	}
}

package analysis

import (
	"math"
	"testing"

	"golang.org/x/perf/benchmath"
)

// The descriptive statistics (montanaflynn/stats) agree with benchmath's
// center, which the tables' confidence intervals are built around.
func TestDescriptive(t *testing.T) {
	for _, vs := range [][]float64{{3, 1, 2}, {4, 1, 3, 2}, {5, 5, 5, 9, 1, 7}, {42}} {
		want := benchmath.AssumeNothing.Summary(benchmath.NewSample(vs, &benchmath.DefaultThresholds), Confidence).Center
		if got := Median(vs); got != want {
			t.Errorf("Median(%v) = %v, benchmath center %v", vs, got, want)
		}
	}
	if got := MAD([]float64{1, 2, 3, 4, 100}); got != 1 {
		t.Errorf("MAD = %v, want 1", got)
	}
	if got := StdDev([]float64{2, 4, 4, 4, 5, 5, 7, 9}); math.Abs(got-2.138089935299395) > 1e-12 {
		t.Errorf("StdDev = %v, want the sample standard deviation 2.138…", got)
	}
	for name, got := range map[string]float64{"Median": Median(nil), "MAD": MAD(nil), "StdDev": StdDev([]float64{1})} {
		if !math.IsNaN(got) {
			t.Errorf("%s of too few values = %v, want NaN", name, got)
		}
	}
}

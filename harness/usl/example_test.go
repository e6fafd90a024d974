package usl_test

import (
	"fmt"

	"metricstream/harness/usl"
)

// A closed-loop sweep of clients 1..64 whose throughput peaks near 30
// clients and then falls: coherency.
func ExampleFitPoints() {
	m := usl.Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}
	var sweep []usl.Point
	for _, n := range []float64{1, 2, 4, 8, 16, 32, 64} {
		sweep = append(sweep, usl.Point{N: n, X: m.Throughput(n)})
	}
	f := usl.FitPoints(sweep)
	fmt.Printf("%s: λ=%.0f σ=%.3f κ=%.4f N*=%.1f R²=%.3f\n", f.Verdict, f.Lambda, f.Sigma, f.Kappa, f.PeakN, f.R2)
	fmt.Println(f.Why)

	// Throughput that has nothing to do with concurrency is refused.
	f = usl.FitPoints([]usl.Point{{N: 1, X: 900}, {N: 2, X: 100}, {N: 4, X: 800}, {N: 8, X: 150}, {N: 16, X: 700}})
	fmt.Printf("%s - %s: R²=%.2f\n", f.Verdict, f.Why, f.R2)
	// Output:
	// coherency-limited: λ=1000 σ=0.050 κ=0.0010 N*=30.8 R²=1.000
	// peak
	// refused - low-r2: R²=0.14
}

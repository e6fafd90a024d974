package peers

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewRatio(t *testing.T) {
	rs := []float64{0.9, 1.0, 1.1, 0.95, 1.05, 1.0}
	r := NewRatio(rs)
	// by hand: the mean and sample standard deviation of the logs, and
	// t(0.975, 5) = 2.570582
	var m float64
	for _, v := range rs {
		m += math.Log(v)
	}
	m /= 6
	var ss float64
	for _, v := range rs {
		ss += (math.Log(v) - m) * (math.Log(v) - m)
	}
	half := 2.570582 * math.Sqrt(ss/5) / math.Sqrt(6)
	require.Equal(t, 6, r.N)
	require.InDelta(t, math.Exp(m), r.Est, 1e-9)
	require.InDelta(t, math.Exp(m-half), r.Lo, 1e-5)
	require.InDelta(t, math.Exp(m+half), r.Hi, 1e-5)
	require.True(t, r.AtLeast(0.9))
	require.False(t, r.AtLeast(0.97), "the lower end is below 0.97 though the estimate is above")
	require.Contains(t, r.String(), "n=6")

	// symmetric in A/B and B/A
	inv := make([]float64, len(rs))
	for i, v := range rs {
		inv[i] = 1 / v
	}
	ri := NewRatio(inv)
	require.InDelta(t, 1/r.Est, ri.Est, 1e-12)
	require.InDelta(t, 1/r.Hi, ri.Lo, 1e-9)

	one := NewRatio([]float64{1.2})
	require.False(t, one.HasInterval())
	require.False(t, one.AtLeast(0.5), "one round meets no target: it has no interval")
	require.Contains(t, one.String(), "no interval")

	none := NewRatio(nil)
	require.Equal(t, 0, none.N)
	require.Contains(t, none.String(), "no ratio")
	require.Panics(t, func() { NewRatio([]float64{1, 0}) })
}

func TestMedian(t *testing.T) {
	require.True(t, math.IsNaN(median(nil)))
	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
	in := []float64{3, 1, 2}
	median(in)
	require.Equal(t, []float64{3, 1, 2}, in, "median leaves its input alone")
}

func TestMet(t *testing.T) {
	mk := func(rs ...float64) NamedRatio { return NamedRatio{Target: 0.9, Ratio: NewRatio(rs)} }
	require.Contains(t, mk(0.95, 0.96, 0.97).Met(), "met")
	require.Contains(t, mk(0.7, 1.2, 1.0).Met(), "not shown, lower end")
	require.Contains(t, mk(0.8, 0.82, 0.81).Met(), "MISSED, estimate 10.0% short")
	require.Contains(t, mk(1.0).Met(), "no interval")
	require.Empty(t, NamedRatio{Ratio: NewRatio([]float64{1, 1})}.Met())
}

//go:build lock_naive

package main

// Seed chapter 9, part A, as written: a mutex per client in an unguarded
// map; concurrent new clients abort the process (a seed design).
import (
	"metricstream/variants/limiter"
	"metricstream/variants/lock"
)

var lockVariant, newTable = "naive", lock.NewNaive[limiter.State]

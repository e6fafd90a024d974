//go:build lock_pooled || !(lock_global || lock_perclient || lock_naive)

package main

// Seed chapter 9, part B: hashed mutex pool (default).
import (
	"metricstream/variants/limiter"
	"metricstream/variants/lock"
)

var lockVariant, newTable = "pooled", lock.NewPooled[limiter.State]

//go:build lock_global

package main

// Seed chapter 4: one mutex for every client.
import (
	"metricstream/variants/limiter"
	"metricstream/variants/lock"
)

var lockVariant, newTable = "global", lock.NewGlobal[limiter.State]

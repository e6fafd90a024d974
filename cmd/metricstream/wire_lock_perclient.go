//go:build lock_perclient

package main

// Seed chapter 9, part A: a mutex per client.
import (
	"metricstream/internal/ratelimit"
	"metricstream/variants/lock"
)

var lockVariant, newTable = "perclient", lock.NewPerClient[ratelimit.Window]

//go:build lock_perclient

package main

// Seed chapter 9, part A: a mutex per client.
import (
	"metricstream/variants/limiter"
	"metricstream/variants/lock"
)

var lockVariant, newTable = "perclient", lock.NewPerClient[limiter.State]

//go:build metrics_lockfree || !(metrics_mutex || metrics_spsc)

package main

// Seed chapter 10: lock-free ring buffers (default).
import "metricstream/variants/metrics"

var metricsVariant, newRecorder = "lockfree", metrics.NewLockFree

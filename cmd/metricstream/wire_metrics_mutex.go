//go:build metrics_mutex

package main

// Mutex-guarded per-client event recording.
import "metricstream/variants/metrics"

var metricsVariant, newRecorder = "mutex", metrics.NewMutex

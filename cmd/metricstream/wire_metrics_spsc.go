//go:build metrics_spsc

package main

// Seed chapter 10, as written: a single-producer ring per client, written by
// many request goroutines (a seed design).
import "metricstream/variants/metrics"

var metricsVariant, newRecorder = "spsc", metrics.NewSPSC

//go:build limiter_window || !(limiter_bucket || limiter_redis)

package main

// Seed chapter 4: sliding window log per client, in this replica (default).
import "metricstream/variants/limiter"

var limiterVariant, newLimiter = "window", limiter.NewWindow

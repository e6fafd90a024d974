//go:build limiter_bucket

package main

// Seed chapter 12: token bucket with burst, in this replica.
import "metricstream/variants/limiter"

var limiterVariant, newLimiter = "bucket", limiter.NewBucket

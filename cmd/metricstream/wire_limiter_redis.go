//go:build limiter_redis

package main

// Seed chapter 12: sliding window log in Redis, shared by every replica.
import "metricstream/variants/limiter"

var limiterVariant, newLimiter = "redis", limiter.NewRedis

//go:build executor_pool || !(executor_spawn || executor_thread)

package main

// Seed chapter 11: fixed workers, bounded queue, 503 (default).
import "metricstream/variants/executor"

var executorVariant, newExecutor = "pool", executor.NewPool

//go:build executor_thread

package main

// Seed chapter 11, as the seed's server does it before the pool: an OS
// thread per connection, blocking socket I/O (a seed design).
import "metricstream/variants/executor"

var executorVariant, newExecutor = "thread", executor.NewThread

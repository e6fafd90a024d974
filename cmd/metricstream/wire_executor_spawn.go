//go:build executor_spawn

package main

// Seed chapter 11, before: a goroutine per connection.
import "metricstream/variants/executor"

var executorVariant, newExecutor = "spawn", executor.NewSpawn

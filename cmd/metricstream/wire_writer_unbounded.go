//go:build writer_unbounded

package main

// Seed chapter 8, as written: unbounded queue, dropped at shutdown (a seed
// design).
import "metricstream/variants/writer"

var writerVariant, newWriter = "unbounded", writer.NewUnbounded

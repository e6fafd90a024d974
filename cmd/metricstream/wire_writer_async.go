//go:build writer_async || !(writer_sync || writer_unbounded)

package main

// Seed chapter 8: bounded queue, background writer (default).
import "metricstream/variants/writer"

var writerVariant, newWriter = "async", writer.NewAsync

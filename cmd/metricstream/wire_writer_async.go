//go:build writer_async || !writer_sync

package main

// Seed chapter 8: bounded queue, background writer (default).
import "metricstream/variants/writer"

var writerVariant, newWriter = "async", writer.NewAsync

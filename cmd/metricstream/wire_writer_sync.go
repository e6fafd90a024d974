//go:build writer_sync

package main

// Seed chapter 7: write and flush on the request path.
import "metricstream/variants/writer"

var writerVariant, newWriter = "sync", writer.NewSync

// Package parser decodes a POST /metrics body into metrics. Its variants are
// the seed's chapter 5 (Find: string search) and chapter 6 (FSM: one pass).
package parser

import "metricstream/internal/metric"

// Parser decodes {"metrics":[{...}, ...]} bodies.
//
// Contract, the same for every variant (the conformance suite checks it):
//   - Syntax: the body is exactly one JSON object, optionally surrounded by
//     JSON whitespace; anything else (truncated, unbalanced, trailing bytes,
//     two objects, NaN/Infinity tokens, invalid escapes, raw control bytes in
//     strings) is an error.
//   - Shape: the top-level object has exactly one key, "metrics", an array of
//     objects. A metric object has the keys "name" (string, required),
//     "value" (number, required), "type" (string), "timestamp" (integer
//     number of ms, no fraction or exponent), "tags" (object of string to
//     string). Unknown keys, duplicate keys (at any level), wrong JSON types
//     and missing required keys are errors. "null" is not accepted for any
//     field.
//   - Numbers follow JSON's grammar; a value that overflows float64 (1e400)
//     is returned as ±Inf, for metric.ValidateBatch to reject as not finite.
//   - Strings are unescaped (\uXXXX and surrogate pairs included); a lone
//     surrogate is an error. Invalid UTF-8 is passed through for
//     metric.Validate to reject.
//   - More than metric.MaxBatch metrics may stop the parse early with a
//     "batch too large" error.
//   - Errors are *metric.Error with a message naming the problem and quoting
//     at most a bounded piece of the input.
//   - Semantic rules (name length, finite value, known type, tag limits) are
//     NOT the parser's job: the server calls metric.ValidateBatch afterwards.
//
// Ownership: the returned slice, its metrics and their strings are valid only
// until the next call to Parse on the same Parser, and may alias body. A
// Parser is not safe for concurrent use; the server keeps one per connection.
type Parser interface {
	Parse(body []byte) ([]metric.Metric, error)
}

// New constructs a Parser; one per connection.
type New func() Parser

// Package reference is the MetricsStream HTTP contract written the way an
// ordinary Go service would be: net/http, encoding/json, one sync.Mutex
// around a map for the rate limiter, and a bufio.Writer over the data file
// flushed per request under a mutex. It is the idiomatic-Go baseline every
// lab report can show beside the lab's variants (`lab experiment -variant
// reference+optimized`); it is not tuned and must not be.
//
// The contract it keeps with the lab's server (server/):
//
//   - GET /health: {"status":"ok","variant":{"server":"reference"},"preset":"reference"}.
//   - POST /metrics: client = Authorization header, else the remote IP; a
//     sliding window of RateLimit requests per second per client (429 with
//     Retry-After beyond it); the body (at most 2 MiB, 413 beyond) is decoded
//     and checked with metric.ValidateBatchAt, so every semantic rule (empty
//     batch, name length, finite value, type, tags, batch size, the
//     timestamp window) is the lab's own; each metric is written as one JSON Lines record by
//     metric.AppendLine; 200 {"accepted":N} only after the batch has been
//     written and flushed (and fsynced with FsyncAlways). Errors are 400
//     {"error":"..."}.
//   - GET /metrics: request counters by status, metrics accepted, limiter
//     clients.
//   - Graceful stop (cmd/reference on SIGTERM): http.Server.Shutdown waits
//     for requests in flight, then the file is flushed and closed.
//
// Where it differs, honestly (a peer may differ in corner cases; it is not
// meant to be perfect):
//
//   - Decoding is encoding/json with DisallowUnknownFields, so unknown keys
//     and trailing data are rejected, but encoding/json keeps the LAST of
//     duplicate keys ({"name":"a","name":"b"} is accepted as "b"; the lab
//     rejects duplicates), matches keys case-insensitively ("Name" fills
//     name; the lab rejects it as unknown), replaces invalid UTF-8 and lone
//     surrogate escapes with U+FFFD (the lab rejects both), treats
//     "tags":null like absent tags (the lab rejects null), and rejects a
//     value that overflows float64 (1e400) itself, with its own message (the
//     lab parses it as ±Inf and ValidateBatch rejects it: the same 400 with
//     a different message). Syntax and type errors have encoding/json's
//     messages, not the lab parser's.
//   - Tags are decoded into a map, so a line lists them sorted by key, not
//     in the order the client sent them; the lab keeps the client's order.
//   - Unknown paths and wrong methods get net/http ServeMux's plain-text
//     404/405 (with Allow), not the lab's JSON error bodies.
//   - No connection cap, worker pool or writer queue: net/http runs a
//     goroutine per connection, and the file write happens on the request
//     path under one mutex (cmd/reference accepts -workers, -queue and
//     -writer-queue, which scenarios pass, and ignores them).
package reference

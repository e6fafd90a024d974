// Package stages times where a request's time goes inside the server,
// stage by stage, on a sample of requests, so that the lab can say how much
// of a request each dimension's code takes (its Amdahl bound) instead of
// guessing.
//
// The mechanism: a Timer, off unless the server is started with
// -stages 1/N; a Sample, one per connection (a value in its struct, so
// nothing is allocated); Begin when a request's first byte is there, then
// one Mark at the end of each stage. A Mark charges the time since the
// previous Mark (or Begin) to its stage, so the stages partition the
// request's time and their shares add up to 1: code between two hooks is
// charged to the later one. Clocks are time.Now's monotonic readings.
//
// Sampling: a request is timed with probability 1/N (math/rand/v2's
// per-thread generator), not strictly every Nth. An exact "every Nth"
// needs a counter shared by every connection, one contended cache line
// touched by every request on every core: the very cost the lock and
// metrics variants exist to avoid, and it would show in their
// comparison. Untimed requests cost a nil check per hook; timed ones one
// time.Now per stage and two uncontended atomic adds (see the benchmark).
//
// The times are wall-clock: a goroutine descheduled in the middle of a
// stage (more runnable goroutines than cores, a neighbour's load) has that
// wait charged to the stage it was in, and stages ending in a system call
// (reading, writing the answer) collect most of it. Read the shares with
// the machine's load beside them; on an idle machine they approach CPU
// shares, on an oversubscribed one they are shares of latency.
//
// Snapshot reads the counters back as JSON (per stage: count, mean,
// per-request cost, share), for /health or a debug route; Snapshot.Sub
// gives one trial's figures from two readings. Bounds and Predict turn a
// snapshot into each dimension's Amdahl bound and the predicted effect of
// swapping its variant.
//
// Where the hooks go in the server (server/conn.go, server/handler.go):
//
//	conn.WaitRequest   after the `if c.br.Buffered() == 0 {...}` block, i.e.
//	                   once the first byte is there (just read by Peek(1),
//	                   or already buffered by a pipelining client); idle
//	                   keep-alive time is not a stage:         Begin
//	                   after rd.ReadHeader:                    Mark(ReadHeader)
//	conn.ServeRequest  first statement (the executor's hand-off: pool queue
//	                   wait, ~0 for spawn):                    Mark(Queue)
//	                   after rd.ReadBody:                      Mark(ReadBody)
//	conn.ingest        after limiter.Allow:                    Mark(RateLimit)
//	                   after recorder.Record:                  Mark(Record)
//	                   after parser.Parse:                     Mark(Parse)
//	                   after metric.ValidateBatch:             Mark(Validate)
//	                   after metric.AppendBatch:               Mark(Encode)
//	                   after writer.Append:                    Mark(Write)
//	conn.ServeRequest  after c.write (the answer is sent):     Mark(Respond), End
//	conn.Reject        (pool queue full: 503 without a worker) first
//	                   statement: Mark(Queue); after c.write:  Mark(Respond), End
//	conn.readFailed    (a framing error answered):             End
//
// A request answered early (429, 400, 503) skips the marks it never
// reaches and goes on to Respond; GET requests have only the read, queue
// and respond stages. Both count in the shares like any other: they are
// part of the load.
package stages

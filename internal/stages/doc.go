// Package stages times where a request's time goes inside the server,
// stage by stage, on a sample of requests, so that the lab can say how much
// of a request each dimension's code takes (its Amdahl share) instead of
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
// snapshot into each dimension's Amdahl share and the predicted effect of
// swapping its variant.
//
// Where the hooks are in the server (server/conn.go, server/handler.go).
// The connection's own goroutine reads the whole request in WaitRequest,
// head then body, deciding the rate limit from the head, before the
// executor hands it to whoever serves it:
//
//	conn.WaitRequest   once the first byte is there (just read by Peek(1),
//	                   or already buffered behind the previous request of a
//	                   pipelining client); idle keep-alive time
//	                   is not a stage:                         Begin
//	                   after rd.ReadHeader:                    Mark(ReadHeader)
//	conn.limit         (from admit, POST /metrics only)
//	                   after limiter.Allow (routing, the client's key, its
//	                   lock table):                            Mark(RateLimit)
//	                   after recorder.Record:                  Mark(Record)
//	conn.WaitRequest   after rd.ReadBody (100 Continue and any wait for the
//	                   body's bytes included; every request):  Mark(ReadBody)
//	conn.ServeRequest  first statement (the executor's hand-off: the pool's
//	                   wait for a worker token, ~0 while one is free
//	                   and for spawn):                         Mark(Queue)
//	conn.ingest        after parser.Parse:                     Mark(Parse)
//	                   after metric.ValidateBatchAt:           Mark(Validate)
//	                   after metric.AppendBatch:               Mark(Encode)
//	                   after writer.Append:                    Mark(Write)
//	conn.ServeRequest  after c.write (the answer is sent):     Mark(Respond), End
//	conn.Reject        (pool queue full: 503 without a worker) first
//	                   statement: Mark(Queue); after c.write:  Mark(Respond), End
//	conn.readFailed    a framing error answered: Mark(ReadHeader or
//	                   ReadBody, where it failed); after c.write: Mark(Respond);
//	                   EOF, timeout, broken connection: End only
//	conn.WaitRequest   a refused "Expect: 100-continue" answered without its
//	                   body: Mark(Respond), End
//
// A request answered early (429, 400, 404, 503) skips the marks it never
// reaches and goes on to Respond; GET requests have only read_header,
// read_body, queue and respond (routing is charged to read_body); a
// request the client abandons (a header or body timeout, a reset) is
// counted in Sampled with the stages it finished. All of them count in
// the shares like any other: they are part of the load. /health reads the
// timer while answering, so its own request shows in every stage but
// Respond.
package stages

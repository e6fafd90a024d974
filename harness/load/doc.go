// Package load generates HTTP load against a MetricsStream server and
// aggregates what it observed.
//
// It follows vegeta's split: Attack produces one Result per request,
// Recorders (Metrics is the standard one) aggregate them, and reporters
// (Report, WriteJSON) render an aggregate. Errors are recorded in Results,
// never abort a run.
//
// Two load models:
//
//   - Closed: N clients, each sends its next request when the previous one
//     has answered (the seed's load_test: N clients × M requests).
//   - Open: requests are scheduled at a constant arrival rate whatever the
//     server does; latency is timed from each request's intended send time,
//     so a stalled server shows in the percentiles (coordinated omission
//     corrected, as wrk2 does). Requests that no connection was free to send
//     at their intended time are counted as late, not hidden.
//
// Every request carries the same pre-encoded batch, unless Config.Body
// makes each one (client, seq) as vegeta's targeter does: the durability
// experiments name every metric uniquely through it, and Result.Seq tells
// which request an answer is for. It is the lab's only load client.
//
// The client is a minimal HTTP/1.1 client over one raw net.Conn per virtual
// client, with the request bytes pre-encoded: net/http's client costs several
// times the CPU per request, and on a 2-core machine every cycle the
// generator spends is taken from the server it measures.
package load

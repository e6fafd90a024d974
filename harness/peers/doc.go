// Package peers measures the lab's server and load generator beside their
// peers on one machine (`make peers`, `lab peers`): wrk against do-nothing
// net/http and fasthttp handlers, the reference server, optimized and
// optimized with writer=sync; the lab's generator against wrk on both
// do-nothing targets; keep-alive and a new connection per request.
//
// Each round runs every arm once in a random order (recorded with its
// seed), so figures of one round pair: every ratio is the geometric mean
// of per-round ratios with a Student t interval on their logs. Beside each
// rate stands the target's CPU per request from its own /proc counters,
// the steadier figure on a shared machine.
//
// The cost model: BenchmarkCost (server/cost_test.go), run once a round
// pinned to the servers' core, times the work optimized adds to a request
// beyond a do-nothing handler (parse and validate, the limiter, the
// recorder, the answer, the data file's encode, enqueue and amortised
// write). Added to the fasthttp do-nothing handler's CPU per request under
// the same wrk load, it gives the ceiling: what optimized could reach on
// one core if its HTTP path cost what fasthttp's does. The report splits
// optimized's CPU beyond fasthttp's into those stages and the rest.
//
// Gates: a run counts only with zero errors (socket errors, non-2xx) and,
// for the ingestion servers, when the data file then holds exactly what
// the server acknowledged and at least every 2xx the tools counted.
package peers

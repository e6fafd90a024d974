// Package usl fits Gunther's Universal Scalability Law to a concurrency
// sweep, so the report can say why throughput stops growing with
// concurrency:
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// λ is the throughput of one unit of concurrency (one client, one
// worker), σ the contention (the serial fraction: queueing for a shared
// resource such as one mutex) and κ the coherency (the cost of keeping
// shared state consistent between units, which grows with every pair of
// them: cache lines bouncing between cores, a global map's lock handed
// around). With κ > 0 and σ < 1 the curve peaks at N* = sqrt((1−σ)/κ) and
// falls beyond it; with κ = 0 it flattens toward λ/σ.
//
// FitPoints uses gonum's optimize package (L-BFGS with an analytic
// gradient, from several starts) for the nonlinear least squares on
// relative residuals (X − X̂)/X, with σ and κ kept ≥ 0 by fitting their
// square roots, and λ solved in closed form for each (σ, κ): X is linear
// in λ, so the search is over two parameters only (variable projection).
// R² is measured on the residuals the fit minimises (relative), against
// the best constant in the same weights. A fit that does not converge,
// rests on fewer than MinPoints concurrency levels or explains less than
// MinR2 of that variance is refused: the Fit says why and carries no
// parameters, so no report prints numbers it cannot stand behind. A peak
// beyond PeakReach × the largest level measured is not reported: the
// sweep cannot place it. Bootstrap gives percentile intervals for λ, σ, κ
// and the peak by resampling the trials within each level.
package usl

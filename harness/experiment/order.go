package experiment

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
)

// The order of the arms within a round. A round runs every arm once for one
// cell (a scenario step, in one -cpus pass); run in the same order every
// round, "second" becomes a treatment (a server started later, a machine
// warmer or busier by then), and an identical build can come out worse
// (Mytkowicz et al., "Producing Wrong Data Without Doing Anything
// Obviously Wrong!", ASPLOS 2009: fixed setups bias results; randomise
// them). So each round's order is
//
//   - random (the default): a fresh permutation per round, drawn from the
//     run's seed and the cell and round alone, so a run replays with -seed
//     and the order of one cell does not depend on which others ran;
//   - balanced: a Williams design (a Latin square balanced for the arm
//     that ran just before): over every n rounds (2n for an odd number of
//     arms) each arm holds each position equally often; with two arms it
//     is ABBA. The arms are mapped onto the square's rows by a permutation
//     and the first row is picked, both seeded per cell, so the arm that
//     runs last is not the same in every scenario;
//   - fixed: the arms in the order given, every round (what runs before
//     ordering did; for tests and for reproducing them).
//
// Each trial records its place (results.Trial.Position), and the run its
// mode and seed (Meta.Order, Meta.OrderSeed).
const (
	OrderRandom   = "random"
	OrderBalanced = "balanced"
	OrderFixed    = "fixed"
)

// ParseOrder checks an -order value ("" is random).
func ParseOrder(s string) (string, error) {
	switch s {
	case "", OrderRandom:
		return OrderRandom, nil
	case OrderBalanced, OrderFixed:
		return s, nil
	}
	return "", fmt.Errorf("experiment: -order %q: want random, balanced or fixed", s)
}

// orderer orders the arms of every round of a run.
type orderer struct {
	mode string
	seed uint64
}

// cellRand is the random source of one cell (and round, or trial): a
// function of the run's seed and the name alone.
func cellRand(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// order returns the order of n arms (indices 0..n-1) in round k of cell.
func (o orderer) order(cell string, k, n int) []int {
	switch o.mode {
	case OrderFixed:
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	case OrderBalanced:
		sq := williams(n)
		rng := cellRand(o.seed, "balanced "+cell)
		arms := rng.Perm(n)
		row := sq[(k+rng.IntN(len(sq)))%len(sq)]
		out := make([]int, n)
		for i, j := range row {
			out[i] = arms[j]
		}
		return out
	}
	return cellRand(o.seed, fmt.Sprintf("round %d %s", k, cell)).Perm(n)
}

// williams is a Williams design for n treatments: n rows for an even n, 2n
// for an odd one. Every treatment appears once in every row, equally often
// in every column, and (over the rows) after every other treatment equally
// often. The first row is 0, 1, n-1, 2, n-2, ...; row i adds i mod n; an
// odd n adds the rows reversed.
func williams(n int) [][]int {
	if n <= 0 {
		return [][]int{{}}
	}
	first := make([]int, n)
	for j, lo, hi := 1, 1, n-1; j < n; j++ {
		if j%2 == 1 {
			first[j] = lo
			lo++
		} else {
			first[j] = hi
			hi--
		}
	}
	var rows [][]int
	for i := 0; i < n; i++ {
		row := make([]int, n)
		for j := range row {
			row[j] = (first[j] + i) % n
		}
		rows = append(rows, row)
	}
	if n%2 == 1 {
		for i := 0; i < n; i++ {
			row := make([]int, n)
			for j := range row {
				row[j] = rows[i][n-1-j]
			}
			rows = append(rows, row)
		}
	}
	return rows
}

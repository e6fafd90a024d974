package experiment

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// A Williams design: every row a permutation, every treatment equally
// often in every column, every ordered pair of neighbours equally often.
func TestWilliamsIsBalanced(t *testing.T) {
	for n := 1; n <= 7; n++ {
		sq := williams(n)
		if want := n + n%2*n; len(sq) != want {
			t.Fatalf("n=%d: %d rows, want %d", n, len(sq), want)
		}
		col := make([]map[int]int, n)
		for j := range col {
			col[j] = map[int]int{}
		}
		pairs := map[[2]int]int{}
		for _, row := range sq {
			if s := slices.Sorted(slices.Values(row)); !slices.Equal(s, perm0(n)) {
				t.Fatalf("n=%d: row %v is not a permutation", n, row)
			}
			for j, v := range row {
				col[j][v]++
				if j > 0 {
					pairs[[2]int{row[j-1], v}]++
				}
			}
		}
		for j := range col {
			for v := 0; v < n; v++ {
				if col[j][v] != len(sq)/n {
					t.Errorf("n=%d: %d in column %d %d times, want %d", n, v, j, col[j][v], len(sq)/n)
				}
			}
		}
		for p, c := range pairs {
			if c != len(sq)/n {
				t.Errorf("n=%d: %v follows each other %d times, want %d", n, p, c, len(sq)/n)
			}
		}
	}
}

func perm0(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// Balanced: over every full cycle of the square, each arm holds each
// place equally often, whatever the cell; with two arms the rounds go
// AB BA AB BA (ABBA). The cell picks the arms' mapping and first row, so
// the arm that runs first in round 0 is not the same in every cell.
func TestBalancedOrder(t *testing.T) {
	o := orderer{mode: OrderBalanced, seed: 42}
	firsts := map[int]bool{}
	for _, n := range []int{2, 3, 6} {
		rows := len(williams(n))
		for c := 0; c < 8; c++ {
			cell := fmt.Sprintf("scenario-%d/", c)
			count := make([][]int, n)
			for i := range count {
				count[i] = make([]int, n)
			}
			var prev []int
			for k := 0; k < 2*rows; k++ {
				ord := o.order(cell, k, n)
				for pos, arm := range ord {
					count[arm][pos]++
				}
				if n == 2 && prev != nil && slices.Equal(prev, ord) {
					t.Errorf("two arms, cell %s: rounds %d and %d both %v (want ABBA)", cell, k-1, k, ord)
				}
				prev = ord
				if n == 2 && k == 0 {
					firsts[ord[0]] = true
				}
			}
			for arm := range count {
				for pos, c := range count[arm] {
					if c != 2*rows/n {
						t.Errorf("n=%d cell %s: arm %d at place %d %d times in %d rounds, want %d", n, cell, arm, pos, c, 2*rows, 2*rows/n)
					}
				}
			}
		}
	}
	if len(firsts) != 2 {
		t.Errorf("with two arms the same arm ran first in round 0 of all 8 cells")
	}
}

// Random: a permutation per round, the same for the same seed, cell and
// round (a run replays), different across rounds, each arm first about
// equally often; fixed: the arms' order.
func TestRandomAndFixedOrder(t *testing.T) {
	o := orderer{mode: OrderRandom, seed: 9}
	first := make([]int, 3)
	distinct := map[string]bool{}
	for k := 0; k < 600; k++ {
		ord := o.order("seed-50x10/", k, 3)
		if !slices.Equal(ord, o.order("seed-50x10/", k, 3)) {
			t.Fatalf("round %d: the same seed gave two orders", k)
		}
		if s := slices.Sorted(slices.Values(ord)); !slices.Equal(s, perm0(3)) {
			t.Fatalf("round %d: %v is not a permutation", k, ord)
		}
		first[ord[0]]++
		distinct[fmt.Sprint(ord)] = true
	}
	// binomial(600, 1/3): mean 200, sd 11.5; 150..250 is beyond 4 sd
	for arm, c := range first {
		if c < 150 || c > 250 {
			t.Errorf("arm %d first in %d of 600 rounds", arm, c)
		}
	}
	if len(distinct) != 6 {
		t.Errorf("%d of the 6 orders of 3 arms in 600 rounds", len(distinct))
	}
	if other := (orderer{mode: OrderRandom, seed: 10}); slices.Equal(orderSeq(o, 20), orderSeq(other, 20)) {
		t.Errorf("seeds 9 and 10 ordered 20 rounds the same")
	}
	fixed := orderer{mode: OrderFixed, seed: 9}
	for k := 0; k < 5; k++ {
		if got := fixed.order("x/", k, 4); !slices.Equal(got, perm0(4)) {
			t.Errorf("fixed round %d: %v", k, got)
		}
	}
	for _, bad := range []string{"abba", "Random"} {
		if _, err := ParseOrder(bad); err == nil {
			t.Errorf("ParseOrder(%q) accepted", bad)
		}
	}
}

func orderSeq(o orderer, n int) []int {
	var out []int
	for k := 0; k < n; k++ {
		out = append(out, o.order("c/", k, 2)...)
	}
	return out
}

// A balanced run of two arms: per cell, each arm ran first in half the
// rounds, the trials record their places, and the run its order; a
// per-trial kind (here shutdown) is ordered the same way.
func TestRunBalancedRecordsPositions(t *testing.T) {
	dur, err := scenario.Parse("dur.json", []byte(`{"name":"dur","about":"t","kind":"shutdown","model":"closed","clients":2,"duration":"200ms","batch":1}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Arms:      arms(t, "phase3+phase3"),
		Scenarios: []*scenario.Scenario{tinyScenario(t, "one", ""), dur},
		Count:     4,
		Dir:       filepath.Join(t.TempDir(), "run"),
		Meta:      results.Meta{RunID: "test"},
		Launcher:  &fakeLauncher{},
		Order:     OrderBalanced,
		Seed:      3,
	}
	run, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if run.Meta.Order != OrderBalanced || run.Meta.OrderSeed != 3 {
		t.Errorf("meta order %q seed %d", run.Meta.Order, run.Meta.OrderSeed)
	}
	first := map[string]map[string]int{}
	for _, tr := range run.Trials {
		if first[tr.Scenario] == nil {
			first[tr.Scenario] = map[string]int{}
		}
		if tr.Position == 0 {
			first[tr.Scenario][tr.Variant]++
		}
	}
	for _, sc := range []string{"one", "dur"} {
		if first[sc]["phase3"] != 2 || first[sc]["phase3#2"] != 2 {
			t.Errorf("%s: first places %v, want each arm twice in 4 rounds", sc, first[sc])
		}
	}
}

// A scenario's rounds cap gives it fewer rounds than -count, and the run
// says so; the other scenarios keep theirs.
func TestScenarioRoundsCap(t *testing.T) {
	dur, err := scenario.Parse("dur.json", []byte(`{"name":"dur","about":"t","kind":"shutdown","model":"closed","clients":2,"duration":"200ms","batch":1,"rounds":2}`))
	if err != nil {
		t.Fatal(err)
	}
	run, err := Run(context.Background(), Config{
		Arms: arms(t, "phase3+phase3"), Scenarios: []*scenario.Scenario{tinyScenario(t, "one", ""), dur},
		Count: 4, Dir: filepath.Join(t.TempDir(), "run"), Meta: results.Meta{RunID: "test"}, Launcher: &fakeLauncher{},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, tr := range run.Trials {
		n[tr.Scenario]++
	}
	if n["one"] != 8 || n["dur"] != 4 {
		t.Errorf("trials per scenario %v, want one: 4 rounds × 2 arms, dur: 2 × 2", n)
	}
	if !slices.ContainsFunc(run.Meta.Notes, func(s string) bool { return strings.Contains(s, "dur scenario ran 2 rounds") }) {
		t.Errorf("no note of the cap: %q", run.Meta.Notes)
	}
}

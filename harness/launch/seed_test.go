package launch

import (
	"slices"
	"testing"
)

// seed-designs names the five seed designs and the corrected variant; the
// seed designs' labels carry the mark, wherever they are named.
func TestSeedDesignsSet(t *testing.T) {
	arms, err := ParseArms(SeedDesignsSet)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, a := range arms {
		labels = append(labels, a.Label)
	}
	want := []string{"parser:careless" + SeedMark, "writer:unbounded" + SeedMark, "lock:naive" + SeedMark,
		"metrics:spsc" + SeedMark, "executor:thread" + SeedMark, "optimized"}
	if !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	if got := SeedDimensions(arms); !slices.Equal(got, []string{"parser", "writer", "lock", "metrics", "executor"}) {
		t.Errorf("SeedDimensions = %v", got)
	}
	arms, err = ParseArms("lock=pooled lock=naive")
	if err != nil {
		t.Fatal(err)
	}
	if arms[1].Label != "lock:naive"+SeedMark || arms[0].Label == "" || arms[0].Set.SeedDesign() {
		t.Errorf("arms %+v", arms)
	}
	if got := SeedDimensions(arms); !slices.Equal(got, []string{"lock"}) {
		t.Errorf("SeedDimensions = %v, want [lock]", got)
	}
	if got := SeedDimensions(mustParse(t, "baseline optimized")); len(got) != 0 {
		t.Errorf("SeedDimensions of presets = %v", got)
	}
}

func mustParse(t *testing.T, s string) []Arm {
	t.Helper()
	a, err := ParseArms(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

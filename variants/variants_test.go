package variants

import (
	"slices"
	"strings"
	"testing"
)

// TestSeedDesigns: the seed's own designs are selectable by
// spec, marked, listed with their tags, and never part of a preset.
func TestSeedDesigns(t *testing.T) {
	want := []string{"parser=careless", "writer=unbounded", "lock=naive", "metrics=spsc", "executor=thread"}
	if got := SeedDesigns(); !slices.Equal(got, want) {
		t.Fatalf("SeedDesigns = %v, want %v", got, want)
	}
	for _, spec := range want {
		s, err := Parse(spec)
		if err != nil {
			t.Fatalf("Parse(%q): %v", spec, err)
		}
		dim, v, _ := strings.Cut(spec, "=")
		if !s.SeedDesign() || !IsSeedDesign(dim, v) || s.Preset() != "" {
			t.Errorf("%s: SeedDesign %v, IsSeedDesign %v, preset %q; want true, true, none", spec, s.SeedDesign(), IsSeedDesign(dim, v), s.Preset())
		}
		if !slices.Contains(AllTags(), dim+"_"+v) || !strings.Contains(s.Tags(), dim+"_"+v) {
			t.Errorf("%s: tag %s_%s missing from AllTags or Tags %q", spec, dim, v, s.Tags())
		}
	}
	for _, p := range Presets {
		if p.Set.SeedDesign() {
			t.Errorf("preset %s selects a seed design: %v", p.Name, p.Set)
		}
	}
	for _, d := range Dimensions {
		for _, v := range d.Seed {
			if !slices.Contains(d.Variants, v) || v == d.Default {
				t.Errorf("%s: seed design %q must be one of Variants and not the default", d.Name, v)
			}
		}
	}
	if s, _ := Parse("optimized"); s.SeedDesign() {
		t.Error("optimized is marked as a seed design")
	}
}

// Package variants names the lab's six dimensions, the variants of each, and
// the presets that replay the seed's optimization journey. It is the single
// source of those names: the Makefile, the server's -variant output, /health,
// the harness and the reports all read them from here.
package variants

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Dimension is one component that exists in several variants.
type Dimension struct {
	Name     string   // parser, writer, lock, metrics, executor, limiter
	Variants []string // in journey order; the tag of a variant is Name_variant
	Default  string
	Chapter  string // seed chapters the variants come from
	// Seed lists the variants of Variants that are the seed's own designs,
	// built as written to show where they break. They are chosen
	// by spec only, never by a preset, and /health reports "seed_design".
	Seed []string
	// Shared: the variants differ in how concurrent requests share state
	// (a lock, a counter, a queue of work), so what one removes is
	// contention, which shows only with more requests on CPUs at once.
	Shared bool
}

// Dimensions in the order they are printed and encoded.
var Dimensions = []Dimension{
	// the seed designs (last in each list) are its own code as written:
	// careless (ch. 5's find-based parse), unbounded (ch. 8's queue), naive
	// (ch. 9's unguarded per-client mutex map), spsc (ch. 10's
	// single-producer ring under many producers), thread (an OS thread per
	// connection)
	{Name: "parser", Variants: []string{"find", "fsm", "careless"}, Default: "fsm", Chapter: "5, 6", Seed: []string{"careless"}},
	{Name: "writer", Variants: []string{"sync", "async", "unbounded"}, Default: "async", Chapter: "7, 8", Seed: []string{"unbounded"}},
	{Name: "lock", Variants: []string{"global", "perclient", "pooled", "naive"}, Default: "pooled", Chapter: "4, 9", Seed: []string{"naive"}, Shared: true},
	{Name: "metrics", Variants: []string{"mutex", "lockfree", "spsc"}, Default: "lockfree", Chapter: "10", Seed: []string{"spsc"}, Shared: true},
	{Name: "executor", Variants: []string{"spawn", "pool", "thread"}, Default: "pool", Chapter: "11", Seed: []string{"thread"}, Shared: true},
	// the rate-limit algorithm: the journey keeps chapter 4's window; bucket
	// and redis (chapter 12) are the steps beyond one server
	{Name: "limiter", Variants: []string{"window", "bucket", "redis"}, Default: "window", Chapter: "4, 12"},
}

// Set names the variant of each dimension, e.g. {"parser":"fsm", ...}.
type Set map[string]string

// Preset is a named Set from the seed's journey.
type Preset struct {
	Name  string
	About string
	Set   Set
}

// Presets replay the journey of the learning path (docs/learning-path.md).
var Presets = []Preset{
	{"baseline", "seed ch. 5/7/4/11 starting point", Set{"parser": "find", "writer": "sync", "lock": "global", "metrics": "mutex", "executor": "spawn", "limiter": "window"}},
	{"phase2", "ch. 8: async I/O", Set{"parser": "find", "writer": "async", "lock": "global", "metrics": "mutex", "executor": "spawn", "limiter": "window"}},
	{"phase3", "ch. 6: single-pass JSON", Set{"parser": "fsm", "writer": "async", "lock": "global", "metrics": "mutex", "executor": "spawn", "limiter": "window"}},
	{"phase4", "ch. 9: hashed mutex pool", Set{"parser": "fsm", "writer": "async", "lock": "pooled", "metrics": "mutex", "executor": "spawn", "limiter": "window"}},
	{"phase5", "ch. 10: lock-free metrics", Set{"parser": "fsm", "writer": "async", "lock": "pooled", "metrics": "lockfree", "executor": "spawn", "limiter": "window"}},
	{"phase6", "ch. 11: worker pool", Set{"parser": "fsm", "writer": "async", "lock": "pooled", "metrics": "lockfree", "executor": "pool", "limiter": "window"}},
	{"optimized", "= phase6", Set{"parser": "fsm", "writer": "async", "lock": "pooled", "metrics": "lockfree", "executor": "pool", "limiter": "window"}},
}

// Journey is the ordered list of presets `make experiment` runs by default.
var Journey = []string{"baseline", "phase2", "phase3", "phase4", "phase5", "phase6"}

// Default returns the Set with every dimension at its default (= optimized).
func Default() Set {
	s := Set{}
	for _, d := range Dimensions {
		s[d.Name] = d.Default
	}
	return s
}

// Lookup returns the dimension called name.
func Lookup(name string) (Dimension, bool) {
	for _, d := range Dimensions {
		if d.Name == name {
			return d, true
		}
	}
	return Dimension{}, false
}

// Parse turns a preset name or a spec such as "parser=fsm,writer=sync" into a
// complete Set; dimensions a spec does not name take their default. An empty
// string means "optimized". Unknown names fail with the valid ones listed.
func Parse(spec string) (Set, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = "optimized"
	}
	if !strings.Contains(spec, "=") {
		for _, p := range Presets {
			if p.Name == spec {
				return p.Set.clone(), nil
			}
		}
		return nil, fmt.Errorf("variants: unknown preset %q; presets are %s, or give a spec like parser=fsm,writer=sync (%s)",
			spec, strings.Join(PresetNames(), ", "), validPairs())
	}
	s := Default()
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("variants: %q is not dimension=variant; valid: %s", part, validPairs())
		}
		d, found := Lookup(k)
		if !found {
			return nil, fmt.Errorf("variants: unknown dimension %q; dimensions are %s", k, strings.Join(DimensionNames(), ", "))
		}
		if !slices.Contains(d.Variants, v) {
			return nil, fmt.Errorf("variants: unknown %s variant %q; valid: %s", k, v, strings.Join(d.Variants, ", "))
		}
		if seen[k] {
			return nil, fmt.Errorf("variants: dimension %q given twice in %q", k, spec)
		}
		seen[k] = true
		s[k] = v
	}
	return s, nil
}

// IsSeedDesign reports whether variant v of dimension dim is one of the
// seed's own designs (Dimension.Seed).
func IsSeedDesign(dim, v string) bool {
	d, ok := Lookup(dim)
	return ok && slices.Contains(d.Seed, v)
}

// SeedDesign reports whether s selects a seed design in any dimension; the
// server reports it in /health as "seed_design" and reports mark its rows.
func (s Set) SeedDesign() bool {
	for _, d := range Dimensions {
		if slices.Contains(d.Seed, s[d.Name]) {
			return true
		}
	}
	return false
}

// SeedDesigns lists the seed designs as specs, one per variant
// ("parser=careless", ...), in dimension order.
func SeedDesigns() []string {
	var specs []string
	for _, d := range Dimensions {
		for _, v := range d.Seed {
			specs = append(specs, d.Name+"="+v)
		}
	}
	return specs
}

// Tags returns the build tags that select s, e.g. "parser_fsm,writer_async,...".
func (s Set) Tags() string {
	var tags []string
	for _, d := range Dimensions {
		tags = append(tags, d.Name+"_"+s[d.Name])
	}
	return strings.Join(tags, ",")
}

// String renders s as a canonical spec: "parser=fsm,writer=async,...".
func (s Set) String() string {
	var parts []string
	for _, d := range Dimensions {
		parts = append(parts, d.Name+"="+s[d.Name])
	}
	return strings.Join(parts, ",")
}

// Preset returns the name of the first preset equal to s (phase6 before
// optimized), or "".
func (s Set) Preset() string {
	for _, p := range Presets {
		if s.Equal(p.Set) {
			return p.Name
		}
	}
	return ""
}

// Equal reports whether s and o name the same variants in every dimension.
func (s Set) Equal(o Set) bool {
	for _, d := range Dimensions {
		if s[d.Name] != o[d.Name] {
			return false
		}
	}
	return true
}

func (s Set) clone() Set {
	c := Set{}
	for k, v := range s {
		c[k] = v
	}
	return c
}

// PresetNames lists the presets in journey order.
func PresetNames() []string {
	var n []string
	for _, p := range Presets {
		n = append(n, p.Name)
	}
	return n
}

// DimensionNames lists the dimensions.
func DimensionNames() []string {
	var n []string
	for _, d := range Dimensions {
		n = append(n, d.Name)
	}
	return n
}

// AllTags lists every build tag a variant can be selected with, sorted.
func AllTags() []string {
	var t []string
	for _, d := range Dimensions {
		for _, v := range d.Variants {
			t = append(t, d.Name+"_"+v)
		}
	}
	sort.Strings(t)
	return t
}

func validPairs() string {
	var parts []string
	for _, d := range Dimensions {
		parts = append(parts, d.Name+"="+strings.Join(d.Variants, "|"))
	}
	return strings.Join(parts, " ")
}

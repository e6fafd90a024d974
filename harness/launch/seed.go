package launch

import (
	"strings"

	"metricstream/variants"
)

// SeedDesignsSet is the variant list element that names the seed-design
// set: the five seed designs (variants.SeedDesigns) and, beside
// them, the corrected variant, optimized (every dimension at its default:
// parser=fsm, writer=async, lock=pooled, metrics=lockfree,
// executor=pool). It is a named list of arms, not a preset.
const SeedDesignsSet = "seed-designs"

// SeedDesignsList is the list SeedDesignsSet stands for.
func SeedDesignsList() []string {
	return append(variants.SeedDesigns(), "optimized")
}

// SeedMark is appended to the label of an arm running a seed design, so
// every row of every report names it as one: "lock:naive[seed_design]".
const SeedMark = "[seed_design]"

// expandSeedSet replaces the element SeedDesignsSet of fields by its list.
func expandSeedSet(fields []string) []string {
	var out []string
	for _, f := range fields {
		if f == SeedDesignsSet {
			out = append(out, SeedDesignsList()...)
			continue
		}
		out = append(out, f)
	}
	return out
}

// markSeed appends SeedMark to label when set runs a seed design.
func markSeed(label string, set variants.Set) string {
	if set.SeedDesign() && !strings.HasSuffix(label, SeedMark) {
		return label + SeedMark
	}
	return label
}

// SeedDimensions are the dimensions in which some arm runs a seed design.
func SeedDimensions(arms []Arm) []string {
	var dims []string
	for _, d := range variants.Dimensions {
		for _, a := range arms {
			if !a.Reference && variants.IsSeedDesign(d.Name, a.Set[d.Name]) {
				dims = append(dims, d.Name)
				break
			}
		}
	}
	return dims
}

// LogFile is the file the server's stdout and stderr go to.
func (p *process) LogFile() string { return p.log }

// Exited reports whether the server process has exited (on its own or
// stopped).
func (p *process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

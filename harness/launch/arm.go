package launch

import (
	"fmt"
	"strings"

	"metricstream/harness/results"
	"metricstream/internal/clip"
	"metricstream/variants"
)

// Arm is one variant of a run. Two arms may share a Set (an A/A run); their
// labels stay apart ("phase3", "phase3#2").
type Arm struct {
	Label string
	Set   variants.Set
	// Reference: the arm is the reference server (package reference, built
	// from ./cmd/reference, no tags); Set is ReferenceSet.
	Reference bool
}

// Reference is the variant list element that selects the reference server.
const Reference = "reference"

// ReferenceSet is the variant object the reference server's /health reports.
func ReferenceSet() variants.Set { return variants.Set{"server": Reference} }

// Variant is the arm as recorded in results.
func (a Arm) Variant() results.Variant {
	set := map[string]string{}
	for k, v := range a.Set {
		set[k] = v
	}
	if a.Reference {
		return results.Variant{Label: a.Label, Spec: "server=" + Reference, Preset: Reference, Set: set}
	}
	return results.Variant{Label: a.Label, Spec: a.Set.String(), Preset: a.Set.Preset(), Tags: a.Set.Tags(), Set: set}
}

// pkg is the command the arm's server is built from.
func (a Arm) pkg() string {
	if a.Reference {
		return "./cmd/reference"
	}
	return "./cmd/metricstream"
}

// buildKey identifies the arm's binary: arms with equal keys share one build.
func (a Arm) buildKey() string {
	if a.Reference {
		return Reference
	}
	return a.Set.Tags()
}

// DescribeSet renders a /health variant object for messages.
func DescribeSet(s variants.Set) string {
	if v, ok := s["server"]; ok {
		return "server=" + v
	}
	return s.String()
}

// SameVariant reports whether a server that reports got is the arm that
// wants want: the lab's dimensions and the "server" key (the reference's)
// must all agree.
func SameVariant(got, want variants.Set) bool {
	return got.Equal(want) && got["server"] == want["server"]
}

// ParseArms parses a variant list. Specs contain commas
// (parser=fsm,writer=sync), so list elements are separated by '+' or
// whitespace: "baseline+phase3", "baseline phase3",
// "parser=find,writer=sync+optimized". An empty list is the journey. The
// element "reference" is the reference server (./cmd/reference), measured
// like any preset: "reference+optimized".
func ParseArms(list string) ([]Arm, error) {
	fields := strings.FieldsFunc(list, func(r rune) bool { return r == '+' || r == ' ' || r == '\t' || r == '\n' || r == ';' })
	if len(fields) == 0 {
		fields = variants.Journey
	}
	fields = expandSeedSet(fields)
	var arms []Arm
	seen := map[string]int{}
	for _, f := range fields {
		if f == Reference {
			seen[f]++
			label := f
			if n := seen[f]; n > 1 {
				label = fmt.Sprintf("%s#%d", f, n)
			}
			arms = append(arms, Arm{Label: label, Set: ReferenceSet(), Reference: true})
			continue
		}
		set, err := variants.Parse(f)
		if err != nil {
			return nil, fmt.Errorf("launch: variant list element %q: %w", clip.String(f), err)
		}
		label := f
		if strings.Contains(f, "=") {
			if p := set.Preset(); p != "" {
				label = p
			} else {
				label = strings.ReplaceAll(strings.ReplaceAll(f, " ", ""), "=", ":")
			}
		}
		label = markSeed(label, set)
		seen[label]++
		if n := seen[label]; n > 1 {
			label = fmt.Sprintf("%s#%d", label, n)
		}
		arms = append(arms, Arm{Label: label, Set: set})
	}
	return arms, nil
}

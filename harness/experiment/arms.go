package experiment

import (
	"fmt"
	"strings"

	"metricstream/harness/results"
	"metricstream/variants"
)

// Arm is one variant of a run. Two arms may share a Set (an A/A run); their
// labels stay apart ("phase3", "phase3#2").
type Arm struct {
	Label string
	Set   variants.Set
}

// Variant is the arm as recorded in results.
func (a Arm) Variant() results.Variant {
	set := map[string]string{}
	for k, v := range a.Set {
		set[k] = v
	}
	return results.Variant{Label: a.Label, Spec: a.Set.String(), Preset: a.Set.Preset(), Tags: a.Set.Tags(), Set: set}
}

// ParseArms parses a variant list. Specs contain commas
// (parser=fsm,writer=sync), so list elements are separated by '+' or
// whitespace: "baseline+phase3", "baseline phase3",
// "parser=find,writer=sync+optimized". An empty list is the journey.
func ParseArms(list string) ([]Arm, error) {
	fields := strings.FieldsFunc(list, func(r rune) bool { return r == '+' || r == ' ' || r == '\t' || r == '\n' || r == ';' })
	if len(fields) == 0 {
		fields = variants.Journey
	}
	var arms []Arm
	seen := map[string]int{}
	for _, f := range fields {
		set, err := variants.Parse(f)
		if err != nil {
			return nil, fmt.Errorf("experiment: variant list element %q: %w", clip(f), err)
		}
		label := f
		if strings.Contains(f, "=") {
			if p := set.Preset(); p != "" {
				label = p
			} else {
				label = strings.ReplaceAll(strings.ReplaceAll(f, " ", ""), "=", ":")
			}
		}
		seen[label]++
		if n := seen[label]; n > 1 {
			label = fmt.Sprintf("%s#%d", label, n)
		}
		arms = append(arms, Arm{Label: label, Set: set})
	}
	return arms, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

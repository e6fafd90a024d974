package analysis

import (
	"sort"
	"strings"

	"metricstream/harness/results"
	"metricstream/variants"
)

// baseLabel strips an A/A suffix: "phase3#2" -> "phase3", true.
func baseLabel(label string) (string, bool) {
	b, _, ok := strings.Cut(label, "#")
	return b, ok
}

// journeyStep returns the journey preset a label stands for ("optimized"
// counts as phase6), or "" for specs and second A/A arms.
func journeyStep(run *results.Run, label string) string {
	if _, aa := baseLabel(label); aa {
		return ""
	}
	name := label
	if v, ok := metaVariant(run, label); ok && v.Preset != "" && !isJourney(name) {
		name = v.Preset
	}
	if name == "optimized" {
		name = "phase6"
	}
	if isJourney(name) {
		return name
	}
	return ""
}

func isJourney(name string) bool {
	for _, j := range variants.Journey {
		if j == name {
			return true
		}
	}
	return false
}

func metaVariant(run *results.Run, label string) (results.Variant, bool) {
	for _, v := range run.Meta.Variants {
		if v.Label == label {
			return v, true
		}
	}
	return results.Variant{}, false
}

// JourneyLabels maps each journey preset present in the run to the label
// measuring it (the first such label), in journey order.
func JourneyLabels(run *results.Run, labels []string) (presets, byPreset []string) {
	got := map[string]string{}
	for _, l := range labels {
		if j := journeyStep(run, l); j != "" {
			if _, dup := got[j]; !dup {
				got[j] = l
			}
		}
	}
	for _, j := range variants.Journey {
		if l, ok := got[j]; ok {
			presets = append(presets, j)
			byPreset = append(byPreset, l)
		}
	}
	return presets, byPreset
}

// choosePairs decides which variants a report compares: consecutive journey
// presets when two or more are present, each A/A arm against its first arm,
// and every other variant against the first variant of the run.
func choosePairs(run *results.Run, labels []string) []Pair {
	var pairs []Pair
	used := map[string]bool{}
	_, js := JourneyLabels(run, labels)
	if len(js) >= 2 {
		for i := 1; i < len(js); i++ {
			pairs = append(pairs, Pair{Old: js[i-1], New: js[i], Kind: "journey"})
		}
		for _, l := range js {
			used[l] = true
		}
	}
	have := map[string]bool{}
	for _, l := range labels {
		have[l] = true
	}
	for _, l := range labels {
		if b, aa := baseLabel(l); aa && have[b] {
			pairs = append(pairs, Pair{Old: b, New: l, Kind: "A/A"})
			used[l] = true
		}
	}
	if len(labels) > 0 {
		first := labels[0]
		for _, l := range labels[1:] {
			if used[l] || l == first {
				continue
			}
			if _, aa := baseLabel(l); aa && have[strings.Split(l, "#")[0]] {
				continue
			}
			pairs = append(pairs, Pair{Old: first, New: l, Kind: "vs first"})
		}
	}
	return pairs
}

// variantSet returns the dimension -> variant map of a label, from Meta or,
// failing that, by parsing the label as a preset or spec.
func variantSet(run *results.Run, label string) map[string]string {
	if v, ok := metaVariant(run, label); ok && len(v.Set) > 0 {
		return v.Set
	}
	if v, ok := metaVariant(run, label); ok && v.Spec != "" {
		if s, err := variants.Parse(v.Spec); err == nil {
			return s
		}
	}
	b, _ := baseLabel(label)
	if s, err := variants.Parse(b); err == nil {
		return s
	}
	return nil
}

// setDiff lists how new differs from old, dimension by dimension in the
// lab's order; known is false when either variant's set is unknown (then
// nothing is listed). Against the reference server, which has no lab
// dimensions, the one change is the server itself (Dim "server", the lab's
// side ""), not every dimension against none.
func setDiff(run *results.Run, old, new string) (diff []Change, known bool) {
	so, sn := variantSet(run, old), variantSet(run, new)
	if so == nil || sn == nil {
		return nil, false
	}
	if ref, lab := so["server"], sn["server"]; (ref == "") != (lab == "") {
		return []Change{{Dim: "server", Old: ref, New: lab}}, true
	}
	var keys []string
	seen := map[string]bool{}
	for _, d := range variants.Dimensions {
		keys = append(keys, d.Name)
		seen[d.Name] = true
	}
	var extra []string
	for k := range so {
		if !seen[k] {
			extra = append(extra, k)
			seen[k] = true
		}
	}
	for k := range sn {
		if !seen[k] {
			extra = append(extra, k)
			seen[k] = true
		}
	}
	sort.Strings(extra)
	keys = append(keys, extra...)
	for _, k := range keys {
		if so[k] != sn[k] {
			diff = append(diff, Change{Dim: k, Old: so[k], New: sn[k]})
		}
	}
	return diff, true
}

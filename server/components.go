package server

import (
	"fmt"

	"metricstream/internal/ratelimit"
	"metricstream/variants"
	"metricstream/variants/executor"
	"metricstream/variants/lock"
	"metricstream/variants/metrics"
	"metricstream/variants/parser"
	"metricstream/variants/writer"
)

// Components are the constructors of one variant of each dimension. The
// server binary fills it from its build-tagged wire files (so it links only
// the chosen variants); tests fill it by name with ByName.
type Components struct {
	Set         variants.Set
	NewParser   parser.New
	NewWriter   writer.New
	NewTable    func(lock.Config) lock.Table[ratelimit.Window]
	NewRecorder func(metrics.Config) metrics.Recorder
	NewExecutor func(executor.Config) executor.Executor
}

// ByName assembles Components from the variant registries, for tests and
// tools that must build any combination without build tags.
func ByName(set variants.Set) (Components, error) {
	c := Components{Set: set}
	var ok bool
	for _, v := range parser.Variants {
		if v.Name == set["parser"] {
			c.NewParser, ok = v.New, true
		}
	}
	if !ok {
		return c, fmt.Errorf("server: no parser variant %q", set["parser"])
	}
	ok = false
	for _, v := range writer.Variants {
		if v.Name == set["writer"] {
			c.NewWriter, ok = v.New, true
		}
	}
	if !ok {
		return c, fmt.Errorf("server: no writer variant %q", set["writer"])
	}
	ok = false
	for _, v := range lock.Variants[ratelimit.Window]() {
		if v.Name == set["lock"] {
			c.NewTable, ok = v.New, true
		}
	}
	if !ok {
		return c, fmt.Errorf("server: no lock variant %q", set["lock"])
	}
	ok = false
	for _, v := range metrics.Variants {
		if v.Name == set["metrics"] {
			c.NewRecorder, ok = v.New, true
		}
	}
	if !ok {
		return c, fmt.Errorf("server: no metrics variant %q", set["metrics"])
	}
	ok = false
	for _, v := range executor.Variants {
		if v.Name == set["executor"] {
			c.NewExecutor, ok = v.New, true
		}
	}
	if !ok {
		return c, fmt.Errorf("server: no executor variant %q", set["executor"])
	}
	return c, nil
}

// VariantJSON renders set as the /health "variant" object, keys in dimension
// order: {"parser":"fsm","writer":"async",...}.
func VariantJSON(set variants.Set) []byte {
	b := []byte{'{'}
	for i, k := range variants.DimensionNames() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":"`...)
		b = append(b, set[k]...)
		b = append(b, '"')
	}
	return append(b, '}')
}

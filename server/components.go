package server

import (
	"fmt"
	"slices"

	"metricstream/variants"
	"metricstream/variants/executor"
	"metricstream/variants/limiter"
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
	NewTable    func(lock.Config) lock.Table[limiter.State] // the lock dimension: the local limiters' table
	NewRecorder func(metrics.Config) metrics.Recorder
	NewExecutor func(executor.Config) executor.Executor
	NewLimiter  limiter.New
}

// ByName assembles Components from the variant registries, for tests and
// tools that must build any combination without build tags.
func ByName(set variants.Set) (Components, error) {
	c := Components{Set: set}
	var err error
	// each registry, then its seed designs (chosen by spec only)
	if c.NewParser, err = pick("parser", set, slices.Concat(parser.Variants, parser.SeedVariants)); err != nil {
		return c, err
	}
	if c.NewWriter, err = pick("writer", set, slices.Concat(writer.Variants, writer.SeedVariants)); err != nil {
		return c, err
	}
	if c.NewTable, err = pick("lock", set, slices.Concat(lock.Variants[limiter.State](), lock.SeedVariants[limiter.State]())); err != nil {
		return c, err
	}
	if c.NewRecorder, err = pick("metrics", set, slices.Concat(metrics.Variants, metrics.SeedVariants)); err != nil {
		return c, err
	}
	if c.NewExecutor, err = pick("executor", set, slices.Concat(executor.Variants, executor.SeedVariants)); err != nil {
		return c, err
	}
	if c.NewLimiter, err = pick("limiter", set, limiter.Variants); err != nil {
		return c, err
	}
	return c, nil
}

// pick returns the constructor of set's variant of dimension dim.
func pick[T any](dim string, set variants.Set, registry []struct {
	Name string
	New  T
}) (T, error) {
	for _, v := range registry {
		if v.Name == set[dim] {
			return v.New, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("server: no %s variant %q", dim, set[dim])
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

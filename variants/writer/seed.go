package writer

// SeedVariants lists the seed's own designs, chosen by spec only.
// The conformance suite does not loop over them: Unbounded acknowledges
// before writing and drops its queue at Close, by design; its own tests
// measure that.
var SeedVariants = []struct {
	Name string
	New  New
}{
	{"unbounded", NewUnbounded},
}

package executor

// SeedVariants lists the seed's own designs, chosen by spec only
// (executor=thread). Thread keeps the executor contract, so the
// conformance suite runs it beside Variants.
var SeedVariants = []struct {
	Name string
	New  func(Config) Executor
}{
	{"thread", NewThread},
}

var _ Executor = (*Thread)(nil)

package parser

// Variants lists every parser variant by the name its build tag and the
// lab's reports use (parser_find, parser_fsm), in the seed's journey order.
// The conformance suite and the benchmarks loop over it.
var Variants = []struct {
	Name string
	New  New
}{
	{"find", NewFind},
	{"fsm", NewFSM},
}

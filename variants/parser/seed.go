package parser

// SeedVariants lists the seed's own designs, chosen by spec only.
// The conformance suite does not loop over them: Careless fails the corpus
// by design; TestCarelessTable measures how.
var SeedVariants = []struct {
	Name string
	New  New
}{
	{"careless", NewCareless},
}

package metrics

// SeedVariants lists the seed's own designs, chosen by spec only.
// The conformance suite does not loop over them: SPSC loses and tears
// events under many producers by design; spsc_test.go and
// spsc_race_test.go measure it.
var SeedVariants = []struct {
	Name string
	New  func(Config) Recorder
}{
	{"spsc", NewSPSC},
}

//go:build !unix

package stages

// ProcessCPU is 0 here: the platform has no getrusage, and a reading of 0
// means unknown.
func ProcessCPU() int64 { return 0 }

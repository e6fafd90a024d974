// Package experiment runs the lab's pipeline (DESIGN.md, "The harness as a
// pipeline"):
//
//	build each variant → start it → verify → warm up → trials (repeated,
//	variants interleaved A B A B) → SIGTERM → integrity → results files
//
// It schedules, and only that: which arm, which scenario group, which step,
// which trial, in what order. Servers come from harness/launch, load from
// harness/load (the one load client, the durability scenarios' unique
// metric names included, through its body hook), statistics and summaries
// from harness/analysis and harness/report afterwards. A per-trial scenario
// kind's runner is registered by its file (durability.go, slowloris.go,
// overload.go; kinds.go holds the registry).
//
// Run is the entry point; it returns the results.Run it wrote, whose Dir is
// the hook for whatever renders reports afterwards. Servers are started
// through a launch.Launcher (harness/launch: local processes, a remote
// target, replica fleets with their Redis), so tests drive the whole
// pipeline with in-process fake servers and `lab experiment -target` drives
// a server running elsewhere.
package experiment

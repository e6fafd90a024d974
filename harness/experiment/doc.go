// Package experiment runs the lab's pipeline:
//
//	build each variant → start it → verify → warm up → rounds (each runs
//	every variant once, in a seeded random or balanced order) → SIGTERM →
//	integrity → results files
//
// It schedules, and only that: which arm, which scenario group, which step,
// which round, in what order (order.go). Servers come from harness/launch,
// load from harness/load (the one load client, the durability scenarios'
// unique metric names included, through its body hook), statistics and
// summaries from harness/analysis and harness/report afterwards.
//
// A trial is one value (trial.go: context, configuration, arm, scenario,
// step, round, place in the round, id, random source) with the methods
// every kind shares: start its server, run and meter its load, stop the
// server and audit its data file. A per-trial scenario kind's runner is a
// func(*trial) error registered by its file (durability.go, slowloris.go,
// overload.go, capacity.go, netfault.go, seed_<kind>.go; kinds.go holds
// the registry).
//
// Two ways to run the rounds besides one after the other: a duet (duet.go:
// two arms at once, counted per short window from one start) and a
// sequential run (sequential.go: rounds until a stop rule says the run
// knows enough, or a budget is spent).
//
// Run is the entry point; it returns the results.Run it wrote, whose Dir is
// the hook for whatever renders reports afterwards. Servers are started
// through a launch.Launcher (harness/launch: local processes, a remote
// target, replica fleets with their Redis), so tests drive the whole
// pipeline with in-process fake servers and `lab experiment -target` drives
// a server running elsewhere.
package experiment

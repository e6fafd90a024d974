// Package launch starts the servers an experiment measures, and nothing
// else: it builds each variant once (Build), starts built binaries as child
// processes on free loopback ports (ProcessLauncher), or hands back a server
// running elsewhere (RemoteLauncher), and starts replica fleets with the
// redis-server a limiter=redis fleet shares (StartFleet). An Arm is one
// variant of a run as ParseArms reads it from a list.
//
// harness/experiment schedules trials over what a Launcher starts; tests
// give it in-process fake servers behind the same interface.
package launch

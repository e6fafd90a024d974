//go:build unix

package stages

import "syscall"

// ProcessCPU is this process's user and system CPU time so far, in ns
// (getrusage RUSAGE_SELF: every thread, children excluded); 0 when the
// kernel does not say.
func ProcessCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

package executor

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Process is the process's OS thread count and resident memory, from
// /proc/self/status (zero where /proc is not available).
type Process struct {
	Threads  int   `json:"os_threads"` // Threads: every OS thread of the process
	RSSBytes int64 `json:"rss_bytes"`  // VmRSS
	HWMBytes int64 `json:"rss_peak_bytes"`
}

// ReadProcess reads /proc/self/status.
func ReadProcess() Process {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return Process{}
	}
	return parseStatus(b)
}

func parseStatus(b []byte) Process {
	var p Process
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "Threads":
			p.Threads = int(n)
		case "VmRSS":
			p.RSSBytes = n << 10 // kB
		case "VmHWM":
			p.HWMBytes = n << 10
		}
	}
	return p
}

// threadReserve is kept free below every thread limit for the runtime's own
// threads (sysmon, GC workers, threads blocked in other system calls, the
// spare threads the scheduler starts when a locked thread blocks), the
// rejecting goroutines' threads and, for RLIMIT_NPROC, the user's other
// processes.
const threadReserve = 512

// ThreadCeiling is the most connection threads Thread allows: below Go's
// debug.SetMaxThreads (10000 unless changed; past it the runtime aborts the
// process), the process's RLIMIT_NPROC (Max processes in
// /proc/self/limits; clone fails past it) and kernel.threads-max, each less
// threadReserve. At least 1.
func ThreadCeiling() int {
	// SetMaxThreads returns the previous value; set it straight back.
	maxRuntime := debug.SetMaxThreads(10000)
	debug.SetMaxThreads(maxRuntime)
	ceil := maxRuntime
	if n := limitsMaxProcesses(); n > 0 && n < ceil {
		ceil = n
	}
	if b, err := os.ReadFile("/proc/sys/kernel/threads-max"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 && n < ceil {
			ceil = n
		}
	}
	ceil -= threadReserve
	if ceil < 1 {
		ceil = 1
	}
	return ceil
}

// limitsMaxProcesses returns the soft "Max processes" of
// /proc/self/limits, or 0 if unlimited or unknown.
func limitsMaxProcesses() int {
	b, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if !strings.HasPrefix(line, "Max processes") {
			continue
		}
		f := strings.Fields(strings.TrimPrefix(line, "Max processes"))
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.Atoi(f[0]) // "unlimited" fails: 0
		if err != nil {
			return 0
		}
		return n
	}
	return 0
}

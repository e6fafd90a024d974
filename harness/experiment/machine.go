package experiment

import (
	"bytes"
	"os"
	"strconv"
)

// machineCPU reads the machine's CPU time from the first line of
// /proc/stat (every CPU, every process, the kernel and interrupts): the
// time not idle and the total, in clock ticks; ok is false where there is
// no /proc/stat. Steal (a VM's CPUs running someone else) counts as busy:
// the CPU was not there to use.
func machineCPU() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	return parseProcStat(b)
}

// parseProcStat reads the aggregate "cpu" line: user nice system idle
// iowait irq softirq steal (guest time is inside user).
func parseProcStat(b []byte) (busy, total uint64, ok bool) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	var v [8]uint64
	for i := range v {
		n, err := strconv.ParseUint(string(f[i+1]), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		v[i] = n
		total += n
	}
	idle := v[3] + v[4]
	return total - idle, total, true
}

// busyMeter measures the share of the machine's CPU time that was busy
// between start and stop; 0 (unknown) without /proc/stat or when no tick
// passed.
type busyMeter struct {
	busy, total uint64
	ok          bool
}

func startBusy() busyMeter {
	b, t, ok := machineCPU()
	return busyMeter{b, t, ok}
}

func (m busyMeter) stop() float64 {
	b, t, ok := machineCPU()
	if !ok || !m.ok || t <= m.total || b < m.busy {
		return 0
	}
	return float64(b-m.busy) / float64(t-m.total)
}

package scenario

import (
	"strconv"
	"time"

	"metricstream/harness/load"
)

// The disk-fault kinds: the data file's disk fills, or every write to it
// is slow. Each trial starts a server of its own, runs the scenario's
// closed-loop keep-alive load, SIGTERMs it and audits the file against
// every metric acknowledged.
const (
	// KindDiskFull: the server's data file may grow DiskRoom bytes
	// (RLIMIT_FSIZE set on the running server: writes past it fail with
	// EFBIG, the first one short, as a full disk's do with ENOSPC); the
	// limit is lifted DiskFullFor after the first refusal. One step.
	KindDiskFull Kind = "disk-full"
	// KindDiskSlow: every write(2) to the data file waits the step's delay
	// (the server's -write-delay); steps are delays in ms ("delay=5ms").
	KindDiskSlow Kind = "disk-slow"
)

// Disk-fault parameters.
const (
	DiskRoom        = 256 << 10              // disk-full: bytes the data file may grow by while the disk is "full"
	DiskFullFor     = 500 * time.Millisecond // disk-full: how long the disk refuses after the first refusal (the writers back off to at most 250 ms between tries)
	MaxWriteDelayMS = 1000                   // disk-slow: the most a step delays each write
)

func init() {
	RegisterKind(&KindSpec{Kind: KindDiskFull, PerTrial: true, Validate: validateDiskFull})
	RegisterKind(&KindSpec{Kind: KindDiskSlow, PerTrial: true, Validate: validateDiskSlow,
		Steps: func(s *Scenario, base load.Config) []Step {
			var out []Step
			for _, v := range s.Steps {
				out = append(out, Step{Name: "delay=" + strconv.Itoa(int(v)) + "ms", Config: base, Fault: v})
			}
			return out
		}})
}

func validateDiskFull(s *Scenario, bad BadField) error {
	if err := closedDuration(s, bad); err != nil {
		return err
	}
	if len(s.Steps) > 0 {
		return bad("steps", "a disk-full scenario has one step: leave steps out")
	}
	// time to fill the room, DiskFullFor full, then as long again recovered
	if d, _ := time.ParseDuration(s.Duration); d < 3*DiskFullFor {
		return bad("duration", "%q must be at least %v: the disk fills, refuses for %v, then has room again for the rest", s.Duration, 3*DiskFullFor, DiskFullFor)
	}
	return nil
}

func validateDiskSlow(s *Scenario, bad BadField) error {
	if err := closedDuration(s, bad); err != nil {
		return err
	}
	return wholeSteps(s, bad, 0, MaxWriteDelayMS, "ms each write to the data file waits, e.g. [0, 5] (0 gives the undelayed figures)")
}

// WriteDelay is a disk-slow step's delay per write.
func (st Step) WriteDelay() time.Duration { return time.Duration(st.Fault) * time.Millisecond }

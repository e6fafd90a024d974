package experiment

import (
	"context"
	"fmt"
	"strconv"

	"metricstream/harness/launch"
)

// 1 core vs 2 (lab experiment -cpus 1,2): the whole schedule (every group,
// every per-trial scenario, every round of every arm in its order) runs
// once per entry of Config.CPUs, with every server started in that pass
// pinned to cores 0..N-1 (taskset) and GOMAXPROCS=N. Each trial records
// CPUs and its step name starts with cpus=N, so bench.txt has one cell per
// core count and `benchstat -col /cpus bench.txt` reads a variant's
// scaling. The passes run one after the other, not interleaved: a change
// in the machine's load between them is in the ratio (the report says so).
// The generator is not pinned: with 1 core it has the other core to
// itself; with 2 it shares both with the server, as in an unpinned run.
// Verification runs once, before the first pass, not limited.

// cpusStep is the step name of a trial in a pass at cpus cores: "cpus=N"
// before the scenario's own step ("cpus=1/rate=4000"); step unchanged when
// the cores are not limited.
func cpusStep(cpus int, step string) string {
	if cpus <= 0 {
		return step
	}
	s := "cpus=" + strconv.Itoa(cpus)
	if step != "" {
		s += "/" + step
	}
	return s
}

// eachCPUs runs pass once per entry of the run's CPUs (once, not limited,
// when there are none), pinning the launcher's servers first.
func (r *runner) eachCPUs(ctx context.Context, pass func()) error {
	if len(r.cfg.CPUs) == 0 {
		pass()
		return nil
	}
	cl, ok := r.cfg.Launcher.(launch.CPULimiter)
	if !ok || r.cfg.Remote {
		return fmt.Errorf("experiment: -cpus pins the servers this run starts; the launcher (%T) cannot", r.cfg.Launcher)
	}
	defer func() { _ = cl.SetCPUs(0) }()
	for _, n := range r.cfg.CPUs {
		if ctx.Err() != nil {
			break
		}
		if err := cl.SetCPUs(n); err != nil {
			return err
		}
		r.cpus = n
		r.logf("pass with servers pinned to %d core(s), GOMAXPROCS=%d", n, n)
		pass()
	}
	r.cpus = 0
	return nil
}

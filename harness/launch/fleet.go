package launch

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"metricstream/internal/redisproc"
)

// Replica scenarios (scenario field replicas > 1) start that many instances
// of each variant, all with the scenario's server flags, and every trial's
// clients spread their requests over all of them (load.Config.Addrs). A
// limiter=redis variant's replicas all point at one redis-server started
// for that variant (-redis-addr), so the fleet shares each client's quota;
// window and bucket replicas each limit locally, and the fleet admits the
// quota once per replica. Integrity after SIGTERM compares the metrics the
// fleet acknowledged with the lines of all its data files.

// Fleet is one arm's servers for one group of scenarios: a single instance
// (every non-replica scenario), or a replica scenario's instances.
type Fleet struct {
	Insts []Instance
	Redis *redisproc.Server // the replicas' shared redis-server, or nil
	rdir  string            // its working directory
}

// SharedRedis reports whether arm a's n instances need one redis-server
// between them. A single instance of a limiter=redis arm gets its own from
// the launcher, as before.
func SharedRedis(a Arm, n int) bool { return n > 1 && a.Set["limiter"] == "redis" }

// StartFleet starts n instances of arm a with flags under dir (and, for a
// limiter=redis arm with n > 1, the redis-server they share first). On an
// error nothing it started is left running.
func StartFleet(ctx context.Context, l Launcher, a Arm, flags []string, n int, dir string) (*Fleet, error) {
	f := &Fleet{}
	if SharedRedis(a, n) {
		rdir, err := os.MkdirTemp(dir, SafeName(a.Label)+"-redis-")
		if err != nil {
			return nil, fmt.Errorf("launch: %w", err)
		}
		f.rdir = rdir
		if f.Redis, err = redisproc.Run(rdir); err != nil {
			f.StopRedis()
			return nil, fmt.Errorf("launch: %s: shared redis-server: %w", a.Label, err)
		}
		flags = append(slices.Clip(flags), "-redis-addr", f.Redis.Addr)
	}
	for i := 0; i < n; i++ {
		inst, err := l.Start(ctx, a, flags, dir)
		if err != nil {
			for _, in := range f.Insts {
				_, _ = in.Stop(ctx)
			}
			f.StopRedis()
			if n > 1 {
				err = fmt.Errorf("replica %d of %d: %w", i+1, n, err)
			}
			return nil, err
		}
		f.Insts = append(f.Insts, inst)
	}
	return f, nil
}

// Addrs are the instances' HTTP addresses, in start order.
func (f *Fleet) Addrs() []string {
	out := make([]string, len(f.Insts))
	for i, in := range f.Insts {
		out[i] = in.Addr()
	}
	return out
}

// Describe is the fleet's addresses (and shared Redis) for the log.
func (f *Fleet) Describe() string {
	s := strings.Join(f.Addrs(), ",")
	if f.Redis != nil {
		s += " (redis " + f.Redis.Addr + ")"
	}
	return s
}

// StopRedis stops the shared redis-server, if any, and removes its directory.
func (f *Fleet) StopRedis() {
	if f.Redis != nil {
		f.Redis.Stop()
		f.Redis = nil
	}
	if f.rdir != "" {
		_ = os.RemoveAll(f.rdir)
		f.rdir = ""
	}
}

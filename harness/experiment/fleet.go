package experiment

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"metricstream/harness/results"
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

// fleet is one arm's servers for one group of scenarios: a single instance
// (every non-replica scenario), or a replica scenario's instances.
type fleet struct {
	insts []Instance
	redis *redisproc.Server // the replicas' shared redis-server, or nil
	rdir  string            // its working directory
	tally *Tally            // metrics acknowledged by any of insts
}

// sharedRedis reports whether arm a's n instances need one redis-server
// between them. A single instance of a limiter=redis arm gets its own from
// the launcher, as before.
func sharedRedis(a Arm, n int) bool { return n > 1 && a.Set["limiter"] == "redis" }

// startFleet starts n instances of arm a with flags under dir (and, for a
// limiter=redis arm with n > 1, the redis-server they share first). On an
// error nothing it started is left running.
func startFleet(ctx context.Context, l Launcher, a Arm, flags []string, n int, dir string) (*fleet, error) {
	f := &fleet{tally: &Tally{}}
	if sharedRedis(a, n) {
		rdir, err := os.MkdirTemp(dir, safe(a.Label)+"-redis-")
		if err != nil {
			return nil, fmt.Errorf("experiment: %w", err)
		}
		f.rdir = rdir
		if f.redis, err = redisproc.Run(rdir); err != nil {
			f.stopRedis()
			return nil, fmt.Errorf("experiment: %s: shared redis-server: %w", a.Label, err)
		}
		flags = append(slices.Clip(flags), "-redis-addr", f.redis.Addr)
	}
	for i := 0; i < n; i++ {
		inst, err := l.Start(ctx, a, flags, dir)
		if err != nil {
			for _, in := range f.insts {
				_, _ = in.Stop(ctx)
			}
			f.stopRedis()
			if n > 1 {
				err = fmt.Errorf("replica %d of %d: %w", i+1, n, err)
			}
			return nil, err
		}
		f.insts = append(f.insts, inst)
	}
	return f, nil
}

// addrs are the instances' HTTP addresses, in start order.
func (f *fleet) addrs() []string {
	out := make([]string, len(f.insts))
	for i, in := range f.insts {
		out[i] = in.Addr()
	}
	return out
}

// describe is the fleet's addresses (and shared Redis) for the log.
func (f *fleet) describe() string {
	s := strings.Join(f.addrs(), ",")
	if f.redis != nil {
		s += " (redis " + f.redis.Addr + ")"
	}
	return s
}

func (f *fleet) stopRedis() {
	if f.redis != nil {
		f.redis.Stop()
		f.redis = nil
	}
	if f.rdir != "" {
		_ = os.RemoveAll(f.rdir)
		f.rdir = ""
	}
}

// stop stops every instance with SIGTERM, checks integrity over them all
// against the fleet's tally, then stops the shared redis-server.
func (f *fleet) stop(ctx context.Context, cfg Config, a *armState, what string) {
	stopAndCheck(ctx, cfg, a, f.insts, f.tally, what)
	f.stopRedis()
}

// integrityOver checks that the data files hold acked complete lines
// between them and no partial one: Integrity for one file, the sums for
// several (a fleet's acknowledgements are not tallied per replica).
func integrityOver(files []string, acked int64) (results.Step, int64, int64) {
	if len(files) == 1 {
		return Integrity(files[0], acked)
	}
	st := results.Step{Name: "integrity"}
	var lines, partial int64
	for _, file := range files {
		l, p, err := FileLines(file)
		if err != nil {
			st.Detail = err.Error()
			return st, lines, partial
		}
		lines += l
		partial += p
	}
	if lines != acked || partial != 0 {
		st.Detail = fmt.Sprintf("acknowledged %d metrics, the %d replicas' files (%s) have %d complete lines and %d partial between them", acked, len(files), strings.Join(files, ", "), lines, partial)
	} else {
		st.OK = true
		st.Detail = fmt.Sprintf("acknowledged %d metrics = %d complete lines over %d replicas' files, 0 partial", acked, lines, len(files))
	}
	return st, lines, partial
}

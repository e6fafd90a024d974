package experiment

import (
	"context"
	"fmt"
	"strings"

	"metricstream/harness/launch"
	"metricstream/harness/results"
)

// fleet is one arm's servers (launch.Fleet) and the metrics any of them
// acknowledged.
type fleet struct {
	*launch.Fleet
	tally *Tally
}

func startFleet(ctx context.Context, l launch.Launcher, a launch.Arm, flags []string, n int, dir string) (*fleet, error) {
	f, err := launch.StartFleet(ctx, l, a, flags, n, dir)
	if err != nil {
		return nil, err
	}
	return &fleet{Fleet: f, tally: &Tally{}}, nil
}

// stop stops every instance with SIGTERM, checks integrity over them all
// against the fleet's tally, then stops the shared redis-server.
func (f *fleet) stop(ctx context.Context, cfg Config, a *armState, what string) {
	stopAndCheck(ctx, cfg, a, f.Insts, f.tally, what)
	f.StopRedis()
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

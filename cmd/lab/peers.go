package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/peers"
)

func init() {
	register(command{"peers", "the server and generator beside wrk, fasthttp, net/http and the reference server, with the cost model's ceiling (lab peers -h)", runPeers})
}

const peersUsage = `usage: lab peers [flags]
       lab peers -analyze results/peers/<date>.json

Builds lab, loadtest, reference, optimized and optimized with writer=sync
and the server's cost benchmark, starts the five targets on free loopback
ports (pinned to cpu0, the load to cpu1, where there are two CPUs), and
runs -rounds rounds: in each, in a random order, wrk against every target,
the lab's generator against both do-nothing targets, keep-alive and a new
connection per request, and BenchmarkCost once. Prints per-arm medians
with CPU per request, the cost model's ceiling, optimized / ceiling and
optimized / fasthttp-noop, where the gap goes, and every ratio paired by
round with its 95% interval. Writes results/peers/<date>.json (everything)
and <date>.txt (benchfmt, for benchstat). Needs wrk (make peers installs
it).

Flags:
`

func runPeers(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab peers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg peers.Config
	fs.IntVar(&cfg.Conns, "conns", 50, "connections of every load tool")
	fs.IntVar(&cfg.Clients, "clients", 0, "client ids the wrk script cycles over (default -conns)")
	fs.IntVar(&cfg.Quota, "quota", 100000, "the ingestion servers' rate limit per client and second")
	fs.DurationVar(&cfg.RunLen, "secs", 2*time.Second, "length of each run")
	fs.IntVar(&cfg.Rounds, "rounds", 6, "rounds (n for every ratio's interval; 6 at least for a t interval worth reading)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "order seed (0: from the clock); recorded in the results")
	fs.DurationVar(&cfg.BenchTime, "benchtime", 100*time.Millisecond, "BenchmarkCost's -test.benchtime per stage")
	fs.BoolVar(&cfg.Profile, "profile", false, "end with a CPU profile of optimized under wrk (keep-alive) and its pprof -top")
	fs.StringVar(&cfg.Out, "out", "", "results `directory` (default results/peers in the module root)")
	analyze := fs.String("analyze", "", "print the analysis of a stored results `file` instead of measuring")
	fs.Usage = func() { fmt.Fprint(stderr, peersUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("peers: unexpected argument %q", fs.Arg(0))
	}
	if *analyze != "" {
		res, err := peers.ReadResults(*analyze)
		if err != nil {
			return err
		}
		peers.Print(stdout, res, peers.Analyze(res))
		return nil
	}
	cwd, _ := os.Getwd()
	root, err := launch.ModuleRoot(cwd)
	if err != nil {
		return err
	}
	cfg.Root, cfg.Stdout, cfg.Log = root, stdout, stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, err = peers.Measure(ctx, cfg)
	return err
}

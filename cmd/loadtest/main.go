// Command loadtest is the seed's load_test: it drives a MetricsStream server
// with CLIENTS clients × REQUESTS requests and prints the success rate, the
// status breakdown, the throughput and the latency percentiles.
//
// Usage:
//
//	loadtest [flags] PORT CLIENTS REQUESTS
//
// See the usage text (loadtest -h) for flags and examples.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"metricstream/harness/load"
)

func main() {
	if err := run(os.Stdout, os.Stderr, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
		}
		os.Exit(2)
	}
}

const usageText = `usage: loadtest [flags] PORT CLIENTS REQUESTS

Drives a MetricsStream server on HOST:PORT with CLIENTS clients, each with
its own Authorization, each sending REQUESTS requests of -batch metrics
(closed loop: a client sends its next request when the previous one has
answered). With -rate the load is open loop instead: requests are sent at
that rate whatever the server does (CLIENTS bounds the connections in
flight), for -duration or for as long as CLIENTS*REQUESTS requests take,
and latency is timed from each request's intended send time.

Success = a 2xx answer within -timeout. Note the server's default rate limit
of 10 requests per second per client: more than that per client gets 429.

Examples:

  loadtest 8080 50 10                        the seed's run: 50 clients × 10 requests
  loadtest -keepalive 8080 100 10            the same over keep-alive connections
  loadtest -rate 500 -duration 1s 8080 20 0  open loop: 500 req/s for 1s over up to 20 connections
  loadtest -batch 1000 -json 8080 5 2        1000 metrics per request, JSON output

Flags:
`

func run(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "server `host`")
	keepAlive := fs.Bool("keepalive", false, "reuse each client's connection (default: a new connection per request, like the seed)")
	rate := fs.Float64("rate", 0, "open loop: send `N` requests per second in total (0: closed loop)")
	duration := fs.Duration("duration", 0, "run for this long (closed loop: instead of REQUESTS; open loop: the schedule's length)")
	batch := fs.Int("batch", 1, "metrics per request (the server accepts at most 1000)")
	timeout := fs.Duration("timeout", 5*time.Second, "per-request timeout")
	asJSON := fs.Bool("json", false, "print the result as JSON (the lab's results.Trial, with its HDR histogram)")
	cpuProfile := fs.String("cpuprofile", "", "write the generator's own CPU profile to `file` (for go tool pprof: what bounds the generator)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		fs.Usage()
		return fmt.Errorf("want PORT CLIENTS REQUESTS, got %d argument(s)", len(pos))
	}
	port, err := strconv.Atoi(pos[0])
	if err != nil || port <= 0 || port > 65535 {
		return fmt.Errorf("PORT %q is not a port number", clip(pos[0]))
	}
	clients, err := strconv.Atoi(pos[1])
	if err != nil || clients <= 0 {
		return fmt.Errorf("CLIENTS %q must be a number > 0", clip(pos[1]))
	}
	requests, err := strconv.Atoi(pos[2])
	if err != nil || requests < 0 {
		return fmt.Errorf("REQUESTS %q must be a number >= 0", clip(pos[2]))
	}
	if *batch < 1 {
		return fmt.Errorf("-batch must be >= 1, got %d", *batch)
	}
	cfg := load.Config{
		Addr:      net.JoinHostPort(*host, strconv.Itoa(port)),
		Model:     load.Closed,
		Clients:   clients,
		Requests:  requests,
		Batch:     *batch,
		KeepAlive: *keepAlive,
		Timeout:   *timeout,
		// One prefix per run: a rerun within the same second must not
		// inherit the previous run's rate-limit windows.
		ClientPrefix: fmt.Sprintf("loadtest-%d-", time.Now().UnixNano()%1e9),
	}
	switch {
	case *rate > 0:
		cfg.Model, cfg.Rate, cfg.Requests = load.Open, *rate, 0
		cfg.Duration = *duration
		if cfg.Duration <= 0 {
			cfg.Duration = time.Duration(float64(clients*requests) / *rate * float64(time.Second))
		}
		if cfg.Duration <= 0 {
			return fmt.Errorf("-rate needs -duration or REQUESTS > 0")
		}
	case *duration > 0:
		cfg.Requests, cfg.Duration = 0, *duration
	case requests == 0:
		return fmt.Errorf("REQUESTS is 0: give REQUESTS > 0, -duration or -rate")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	m := load.NewMetrics()
	start := time.Now()
	d, err := load.Attack(ctx, cfg, m)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	t, err := load.NewTrial(cfg, start, m.Summary(d))
	if err != nil {
		return err
	}
	if *asJSON {
		return load.WriteJSON(stdout, &t)
	}
	return load.Report(stdout, cfg.Addr, &t)
}

// parseInterleaved parses flags given before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

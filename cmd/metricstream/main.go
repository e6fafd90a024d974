// Command metricstream is the MetricsStream server, built with one variant
// of each component chosen by build tags (see the wire_*.go files and
// `make variants`).
//
// Usage:
//
//	metricstream [flags]
//
// Every flag can also be set with an environment variable named
// METRICSTREAM_ and the flag's name in upper case with dashes as
// underscores (METRICSTREAM_RATE_LIMIT=0); a flag given on the command line
// wins. Examples:
//
//	metricstream -addr :8080 -data metrics.jsonl
//	metricstream -rate-limit 0 -fsync always
//	metricstream -variant
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"metricstream/internal/http1"
	"metricstream/internal/pprofserve"
	"metricstream/internal/stages"
	"metricstream/server"
	"metricstream/variants"
	"metricstream/variants/executor"
	"metricstream/variants/limiter"
	"metricstream/variants/writer"
)

// compiled is the variant the wire files chose.
var compiled = server.Components{
	Set: variants.Set{
		"parser": parserVariant, "writer": writerVariant, "lock": lockVariant,
		"metrics": metricsVariant, "executor": executorVariant, "limiter": limiterVariant,
	},
	NewParser:   newParser,
	NewWriter:   newWriter,
	NewTable:    newTable,
	NewRecorder: newRecorder,
	NewExecutor: newExecutor,
	NewLimiter:  newLimiter,
}

func main() {
	// A write past RLIMIT_FSIZE raises SIGXFSZ, whose default action kills
	// the process. Go's runtime already installs a handler for it that
	// does nothing unless signal.Notify asks for it (its signal table marks
	// SIGXFSZ "notify" only, neither kill nor throw), so write(2) returns
	// EFBIG and the writer treats the file limit like a full disk. Ignoring
	// it says so here and keeps it so whatever the runtime's table becomes:
	// the lab's disk-full scenario lowers the limit on the running server.
	signal.Ignore(syscall.SIGXFSZ)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Stderr, os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "metricstream:", err)
		os.Exit(1)
	}
}

type options struct {
	addr, data, pprof, fsync, logLevel, redis   string
	burst                                       int
	redisFailOpen                               bool
	rateLimit, maxClients, workers, queue       int
	writerQueue, maxConns, maxHeader            int
	maxIDsPerAddr, maxThreads                   int
	maxBody, bodyBuffer                         int64
	headerTO, bodyTO, idleTO, writeTO, shutdown time.Duration
	fsyncEvery, writeDelay                      time.Duration
	variant                                     bool
	stages                                      stages.Every
}

func newFlags(stderr io.Writer) (*flag.FlagSet, *options) {
	o := &options{}
	fs := flag.NewFlagSet("metricstream", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", ":8080", "`address` to listen on")
	fs.StringVar(&o.data, "data", "metrics.jsonl", "JSON Lines `file` metrics are appended to")
	fs.IntVar(&o.rateLimit, "rate-limit", 10, "requests per second per client (Authorization header, else remote address); 0 disables")
	fs.IntVar(&o.burst, "burst", 0, "limiter=bucket: requests a client may send at once after being idle, the bucket's capacity (0: -rate-limit); the window limiters ignore it")
	fs.StringVar(&o.redis, "redis-addr", "127.0.0.1:6379", "limiter=redis: `address` of the redis-server every replica shares")
	fs.BoolVar(&o.redisFailOpen, "redis-fail-open", false, "limiter=redis: when Redis is unreachable admit requests (fail open) instead of answering 503 (fail closed)")
	fs.IntVar(&o.maxClients, "max-clients", 100000, "clients the rate limiter tracks at most; idle ones are evicted after 10s, new ones beyond the cap get 503")
	fs.IntVar(&o.maxIDsPerAddr, "max-ids-per-addr", server.DefaultMaxIDsPerAddr, "distinct Authorization values one remote address may use as rate-limit clients of their own; its further new values share one quota keyed by the address (at least 1)")
	fs.IntVar(&o.workers, "workers", 0, "pool executor: requests served at once, each on its connection's goroutine (0: 2×GOMAXPROCS, at least 4)")
	fs.IntVar(&o.queue, "queue", 0, "pool executor: requests waiting for a worker before 503 (0: 1024)")
	fs.IntVar(&o.maxThreads, "max-threads", 0, "executor=thread (a seed design): connections served at once, one OS thread each; more are answered 503 (0: the ceiling below Go's 10000-thread limit, RLIMIT_NPROC and threads-max, now "+strconv.Itoa(executor.ThreadCeiling())+")")
	fs.IntVar(&o.writerQueue, "writer-queue", 0, "async writer: batches waiting to be written before 503 (0: 1024)")
	fs.StringVar(&o.fsync, "fsync", "never", "when to fsync the data file: never, interval or always")
	fs.DurationVar(&o.fsyncEvery, "fsync-interval", time.Second, "period of -fsync interval")
	fs.DurationVar(&o.writeDelay, "write-delay", 0, "wait this long before every write(2) to the data file: a slow disk, for the disk-slow scenario (0: no delay)")
	fs.IntVar(&o.maxConns, "max-conns", 4096, "open connections at most; more are answered 503 and closed")
	fs.IntVar(&o.maxHeader, "max-header-bytes", http1.DefaultMaxHeaderBytes, "request line and headers at most (431 beyond)")
	fs.Int64Var(&o.maxBody, "max-body-bytes", http1.DefaultMaxBodyBytes, "request body at most (413 beyond)")
	fs.Int64Var(&o.bodyBuffer, "body-buffer-bytes", server.DefaultBodyBuffer, "request-body bytes buffered at once across all connections, beyond each one's first 4 KiB (503 and close beyond)")
	fs.DurationVar(&o.headerTO, "header-timeout", 5*time.Second, "time from a request's first byte to the end of its headers")
	fs.DurationVar(&o.bodyTO, "body-timeout", 10*time.Second, "time to read a request body, from the end of its headers (read before a worker is taken)")
	fs.DurationVar(&o.idleTO, "idle-timeout", 30*time.Second, "keep-alive connection idle time before it is closed")
	fs.DurationVar(&o.writeTO, "write-timeout", 10*time.Second, "time to write a response")
	fs.DurationVar(&o.shutdown, "shutdown-timeout", 30*time.Second, "time to finish requests in flight on SIGTERM/SIGINT")
	fs.StringVar(&o.pprof, "pprof", "", "serve /debug/pprof on this `address` (e.g. 127.0.0.1:6060), with mutex and block profiling on (empty: off)")
	fs.Var(&o.stages, "stages", "time 1 request in N stage by stage: `rate` 1/N (1/64; 1/1 or all: every request) or off; GET /health reports it under \"stages\" (default off)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&o.variant, "variant", false, "print the compiled variant as JSON and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: metricstream [flags]\n\nCompiled variant: %s\nEvery flag may also be set as METRICSTREAM_<FLAG> (e.g. METRICSTREAM_RATE_LIMIT=0).\n\nFlags:\n", compiled.Set)
		fs.PrintDefaults()
	}
	return fs, o
}

// applyEnv sets every flag not given on the command line from its
// METRICSTREAM_* environment variable.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := "METRICSTREAM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

func run(ctx context.Context, stdout, stderr io.Writer, args []string, getenv func(string) string) error {
	fs, o := newFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := applyEnv(fs, getenv); err != nil {
		return err
	}
	if o.maxIDsPerAddr < 1 {
		return fmt.Errorf("-max-ids-per-addr %d: must be at least 1", o.maxIDsPerAddr)
	}
	if o.variant {
		fmt.Fprintf(stdout, "%s\n", server.VariantJSON(compiled.Set))
		return nil
	}
	if ceil := executor.ThreadCeiling(); o.maxThreads < 0 || o.maxThreads > ceil {
		return fmt.Errorf("-max-threads %d: want 0..%d (below Go's thread limit, RLIMIT_NPROC and threads-max; past them the process aborts)", o.maxThreads, ceil)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	policy, err := writer.ParseFsync(o.fsync)
	if err != nil {
		return err
	}
	if o.writeDelay < 0 {
		return fmt.Errorf("-write-delay %v: must be >= 0", o.writeDelay)
	}
	f, err := writer.Open(o.data, func(format string, a ...any) { log.Warn(fmt.Sprintf(format, a...)) })
	if err != nil {
		return err
	}
	var sink writer.Sink = f
	if o.writeDelay > 0 {
		sink = writer.NewSlowSink(f, o.writeDelay)
	}
	srv, err := server.New(server.Config{
		Components: compiled, Sink: sink, Fsync: policy, FsyncEvery: o.fsyncEvery,
		RateLimit: o.rateLimit, Burst: o.burst, MaxClients: o.maxClients, MaxIDsPerAddr: o.maxIDsPerAddr,
		Redis: limiter.RedisConfig{Addr: o.redis, FailOpen: o.redisFailOpen}, Workers: o.workers, Queue: o.queue, WriterQueue: o.writerQueue, MaxThreads: o.maxThreads,
		Limits: http1.Limits{MaxHeaderBytes: o.maxHeader, MaxBodyBytes: o.maxBody}, BodyBuffer: o.bodyBuffer,
		HeaderTimeout: o.headerTO, BodyTimeout: o.bodyTO, IdleTimeout: o.idleTO, WriteTimeout: o.writeTO,
		MaxConns: o.maxConns, Logger: log, Stages: stages.New(o.stages),
	})
	if err != nil {
		f.Close()
		return err
	}
	ln, err := server.Listen(ctx, o.addr) // TCP keep-alive probes off: the deadlines already drop dead peers
	if err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	if o.pprof != "" {
		if err := pprofserve.Serve(o.pprof, log); err != nil {
			ln.Close()
			srv.Shutdown(context.Background())
			return err
		}
	}
	log.Info("started", "addr", ln.Addr().String(), "variant", compiled.Set.String(), "preset", compiled.Set.Preset(),
		"data", o.data, "rate_limit", o.rateLimit, "stages", o.stages.String(), "fsync", policy.String(), "write_delay", o.writeDelay, "gomaxprocs", runtime.GOMAXPROCS(0))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("stopping", "timeout", o.shutdown)
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, server.ErrServerClosed) {
		return err
	}
	return nil
}

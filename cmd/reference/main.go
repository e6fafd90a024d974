// Command reference is the reference MetricsStream server (package
// reference): the lab's HTTP contract written the way an ordinary Go service
// would be, with net/http and encoding/json. Experiments select it with the
// variant list element "reference" (`lab experiment -variant
// reference+optimized`); `make build VARIANT=reference` builds it as
// bin/reference.
//
// Usage:
//
//	reference [flags]
//
// Examples:
//
//	reference -addr :8080 -data metrics.jsonl
//	reference -rate-limit 0 -fsync always
//	reference -variant
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"metricstream/internal/pprofserve"
	"metricstream/reference"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Stderr, os.Args[1:], nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "reference:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully. ready, when set,
// receives the listening address (tests).
func run(ctx context.Context, stdout, stderr io.Writer, args []string, ready func(addr string)) error {
	fs := flag.NewFlagSet("reference", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "`address` to listen on")
	data := fs.String("data", "metrics.jsonl", "JSON Lines `file` metrics are appended to")
	rateLimit := fs.Int("rate-limit", 10, "requests per second per client (Authorization header, else remote address); 0 disables")
	fsync := fs.String("fsync", "never", "when to fsync the data file: never or always (after each request's flush)")
	maxBody := fs.Int64("max-body-bytes", reference.DefaultMaxBodyBytes, "request body at most (413 beyond)")
	shutdown := fs.Duration("shutdown-timeout", 30*time.Second, "time to finish requests in flight on SIGTERM/SIGINT")
	pprofAddr := fs.String("pprof", "", "serve /debug/pprof on this `address` (e.g. 127.0.0.1:6060), with mutex and block profiling on")
	variant := fs.Bool("variant", false, "print the variant as JSON ("+reference.VariantJSON+") and exit")
	// Flags the lab's server has and scenarios pass; the reference has no
	// worker pool or writer queue, so they are accepted and ignored.
	for _, name := range []string{"workers", "queue", "writer-queue"} {
		fs.Int(name, 0, "ignored (the lab server's flag; the reference has no pool or queue)")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: reference [flags]\n\nThe MetricsStream contract on net/http and encoding/json: the lab's idiomatic-Go baseline.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *variant {
		fmt.Fprintln(stdout, reference.VariantJSON)
		return nil
	}
	var always bool
	switch *fsync {
	case "never":
	case "always":
		always = true
	default:
		return fmt.Errorf("-fsync %q: want never or always", *fsync)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	f, err := os.OpenFile(*data, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	srv, err := reference.New(reference.Config{Out: f, FsyncAlways: always, RateLimit: *rateLimit, MaxBodyBytes: *maxBody})
	if err != nil {
		f.Close()
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		f.Close()
		return err
	}
	if *pprofAddr != "" {
		if err := pprofserve.Serve(*pprofAddr, log); err != nil {
			ln.Close()
			f.Close()
			return err
		}
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	log.Info("started", "addr", ln.Addr().String(), "variant", reference.VariantJSON, "data", *data,
		"rate_limit", *rateLimit, "fsync", *fsync, "gomaxprocs", runtime.GOMAXPROCS(0))
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		f.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("stopping", "timeout", *shutdown)
	sctx, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	serr := hs.Shutdown(sctx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) && serr == nil {
		serr = err
	}
	// Every acknowledged batch was flushed before its answer; Flush and
	// Close make sure and report a failing file.
	if err := srv.Flush(); err != nil && serr == nil {
		serr = err
	}
	if err := f.Close(); err != nil && serr == nil {
		serr = err
	}
	log.Info("stopped", "acknowledged_metrics", srv.Accepted())
	return serr
}

package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"
)

func init() {
	register(command{"noop", "[-addr HOST:PORT] [-impl nethttp|fasthttp]: a do-nothing POST handler, the peer target of `make peers`", runNoop})
}

// noopBody is what the do-nothing handler answers, the shape of a real
// acknowledgement so load tools count it as one accepted metric.
const noopBody = `{"accepted":1}` + "\n"

// noopHandler is the least an ordinary net/http service does per request:
// read the body, answer 200 with a small JSON body. Any path, any method.
func noopHandler(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, noopBody)
}

// fastNoopHandler is the same do-nothing handler on fasthttp, which reads
// the whole body before calling it: the fastest common Go HTTP/1.1 server,
// the ceiling `make peers` holds the lab's server against.
func fastNoopHandler(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	ctx.SetBodyString(noopBody)
}

func runNoop(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab noop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8091", "listen `address`")
	impl := fs.String("impl", "nethttp", "`server`: nethttp (net/http) or fasthttp (github.com/valyala/fasthttp)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *impl != "nethttp" && *impl != "fasthttp" {
		return fmt.Errorf("noop: -impl %q: want nethttp or fasthttp", *impl)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	fmt.Fprintln(stdout, "noop:", *impl, "listening on", ln.Addr())
	if *impl == "fasthttp" {
		srv := &fasthttp.Server{Handler: fastNoopHandler, ReadTimeout: 5 * time.Second}
		return srv.Serve(ln)
	}
	srv := &http.Server{Handler: http.HandlerFunc(noopHandler), ReadHeaderTimeout: 5 * time.Second}
	return srv.Serve(ln)
}

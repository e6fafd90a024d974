package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

func init() {
	register(command{"noop", "[-addr HOST:PORT]: a do-nothing net/http POST handler, the peer target of `make peers`", runNoop})
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

func runNoop(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab noop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8091", "listen `address`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	fmt.Fprintln(stdout, "noop: net/http listening on", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(noopHandler), ReadHeaderTimeout: 5 * time.Second}
	return srv.Serve(ln)
}

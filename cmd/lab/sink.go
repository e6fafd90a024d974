package main

import (
	"flag"
	"fmt"
	"io"
	"net"

	"metricstream/harness/sink"
)

func init() {
	register(command{"sink", "[-addr HOST:PORT]: a do-nothing HTTP target, to measure the load generator against wrk", runSink})
}

func runSink(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab sink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen `address`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	fmt.Fprintln(stdout, "sink: listening on", ln.Addr())
	return sink.Serve(ln)
}

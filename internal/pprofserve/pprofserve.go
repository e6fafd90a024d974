// Package pprofserve serves net/http/pprof on a second address, for the
// servers' -pprof flag, with mutex and block profiling switched on so that
// the harness can capture lock contention as well as CPU.
package pprofserve

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// Serve starts serving /debug/pprof/ on addr in the background.
func Serve(addr string, log *slog.Logger) error {
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(int(time.Microsecond))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-pprof: %w", err)
	}
	log.Info("pprof", "addr", ln.Addr().String())
	go http.Serve(ln, mux)
	return nil
}

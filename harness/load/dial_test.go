package load

import (
	"net"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"metricstream/harness/sink"
)

// A new connection per request to a literal address dials with raw system
// calls (on Linux); a host name, and keep-alive, keep net.Dialer. Both
// give the same answers, IPv4 and IPv6.
func TestRawDial(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("dialRaw is Linux only; elsewhere every dial is net.Dialer's")
	}
	for _, network := range []string{"tcp4", "tcp6"} {
		ln, err := net.Listen(network, map[string]string{"tcp4": "127.0.0.1:0", "tcp6": "[::1]:0"}[network])
		if err != nil {
			if network == "tcp6" {
				t.Logf("no IPv6 loopback: %v", err)
				continue
			}
			t.Fatal(err)
		}
		defer ln.Close()
		go sink.Serve(ln)
		addr := ln.Addr().String()
		c := newClient(Config{Path: "/metrics", ClientPrefix: "c", Batch: 1, Timeout: time.Second}, 0, addr, Body(1))
		for i := range 3 {
			var r Result
			c.do(&r)
			if r.Err != nil || r.Status != 200 || r.Accepted != 1 {
				t.Fatalf("%s request %d: %+v", network, i, r)
			}
			if c.conn != nil {
				t.Fatalf("%s: the connection outlived its request", network)
			}
		}
		if !c.raw.IsValid() || c.raw != netip.MustParseAddrPort(addr) {
			t.Fatalf("%s: %s was not dialled raw (raw %v)", network, addr, c.raw)
		}
	}
	if rawTarget("localhost:80").IsValid() {
		t.Fatal("a host name must go through net.Dialer (the resolver)")
	}
	ka := newClient(Config{Path: "/metrics", ClientPrefix: "c", Batch: 1, KeepAlive: true}, 0, "127.0.0.1:1", Body(1))
	if _, err := ka.dial(); err == nil || ka.raw.IsValid() {
		t.Fatalf("keep-alive dialled raw (raw %v, err %v)", ka.raw, err)
	}
}

// BenchmarkConnPerRequest is the generator's connection-per-request round
// trip against an in-process sink (harness/sink) over loopback: dial=raw
// (dialRaw: socket, connect, os.NewFile) or dial=net (net.Dialer, as
// before). 50 clients, each its own goroutine and connection per request,
// as `loadtest PORT 50 0` runs; cpu-ns/op is the process's CPU time per
// request (getrusage), the sink's included (the same in both rows), so
// pin it to one core to compare like wrk's core: taskset -c 1 go test
// -run '^$' -bench ConnPerRequest ./harness/load.
func BenchmarkConnPerRequest(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go sink.Serve(ln)
	addr := ln.Addr().String()
	for _, raw := range []bool{true, false} {
		b.Run("dial="+map[bool]string{true: "raw", false: "net"}[raw], func(b *testing.B) {
			const clients = 50
			cs := make([]*client, clients)
			for i := range cs {
				cs[i] = newClient(Config{Path: "/metrics", ClientPrefix: "c", Batch: 1, Timeout: 5 * time.Second}, i, addr, Body(1))
				cs[i].rawSet = !raw // dial=net: never parse the address for dialRaw
			}
			var ru0 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			next := make(chan *client, clients)
			for _, c := range cs {
				next <- c
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c := <-next
				var r Result
				for pb.Next() {
					c.do(&r)
					if r.Status != 200 {
						b.Errorf("status %d: %v", r.Status, r.Err)
						return
					}
				}
			})
			b.StopTimer()
			var ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			for _, c := range cs {
				if c.rawSet && raw != c.raw.IsValid() {
					b.Fatalf("client %d: raw %v, want %v", c.id, c.raw.IsValid(), raw)
				}
			}
		})
	}
}

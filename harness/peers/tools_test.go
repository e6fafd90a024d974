package peers

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wrk 4.1.0's output with --latency, errors included.
const wrkOut = `Running 2s test @ http://127.0.0.1:40123/metrics
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.01ms  312.45us   7.93ms   88.12%
    Req/Sec    49.51k     2.10k   52.30k    80.00%
  Latency Distribution
     50%  0.96ms
     75%    1.10ms
     90%    1.30ms
     99%    2.57ms
  98533 requests in 2.00s, 12.31MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  49264.31
Transfer/sec:      6.15MB
`

func TestParseWrk(t *testing.T) {
	r, err := ParseWrk([]byte(wrkOut))
	require.NoError(t, err)
	require.Equal(t, int64(98533), r.Requests)
	require.InDelta(t, 49264.31, r.ReqPerS, 1e-6)
	require.Equal(t, int64(2570000), r.P99NS)
	require.Equal(t, int64(3+1+2+7), r.Errors)

	clean := `  10 requests in 1.00s, 1KB read
Requests/sec:     10.00
     99%  850.00us
`
	r, err = ParseWrk([]byte(clean))
	require.NoError(t, err)
	require.Equal(t, int64(0), r.Errors)
	require.Equal(t, int64(850000), r.P99NS)

	_, err = ParseWrk([]byte("  10 requests in 1.00s\nRequests/sec: 10\n"))
	require.ErrorContains(t, err, "--latency", "no latency distribution is an error, not a zero p99")
	_, err = ParseWrk([]byte("unable to connect to 127.0.0.1:1 Connection refused\n"))
	require.Error(t, err)
}

func TestParseLoadtest(t *testing.T) {
	out := `{"model":"closed","clients":50,"counts":{"2xx":900,"400":0,"429":0,"503":4,"other":0,"timeout":1,"conn_error":5,"late":0},
	  "throughput":450.5,"latency":{"mean_ns":1,"p50_ns":1,"p90_ns":1,"p99_ns":12345,"p999_ns":1,"max_ns":1}}`
	r, err := ParseLoadtest([]byte(out))
	require.NoError(t, err)
	require.Equal(t, int64(910), r.Requests)
	require.Equal(t, int64(10), r.Errors)
	require.Equal(t, int64(12345), r.P99NS)
	require.InDelta(t, 450.5, r.ReqPerS, 1e-9)
	_, err = ParseLoadtest([]byte("loadtest: dial tcp: refused"))
	require.Error(t, err)
}

const costOut = `goos: linux
goarch: amd64
pkg: metricstream/server
cpu: AMD EPYC
BenchmarkCost/stage=parse-2         	  138120	       908.0 ns/op	       527.6 cpu-ns/op	       0 B/op	       0 allocs/op
BenchmarkCost/stage=parse-2         	  138120	       908.0 ns/op	       600.0 cpu-ns/op	       0 B/op	       0 allocs/op
BenchmarkCost/stage=parse-2         	  138120	       908.0 ns/op	       500.0 cpu-ns/op	       0 B/op	       0 allocs/op
BenchmarkCost/stage=write/group=16-2         	   95095	      1173 ns/op	       838.8 cpu-ns/op	       1 B/op	       0 allocs/op
BenchmarkCost/stage=limit         	   95095	      1173 ns/op	       210 cpu-ns/op	       1 B/op	       0 allocs/op
BenchmarkOther-2  100  5 ns/op
PASS
`

func TestParseCost(t *testing.T) {
	st, err := ParseCost([]byte(costOut))
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"parse": 527.6, "write/group=16": 838.8, "limit": 210}, st,
		"cpu-ns/op as printed (not benchfmt's tidied seconds), the median of repeated lines, names without Cost/stage= and -GOMAXPROCS")
	_, err = ParseCost([]byte("BenchmarkCost/stage=parse-2 10 5 ns/op\n"))
	require.ErrorContains(t, err, "cpu-ns/op")
	_, err = ParseCost([]byte("FAIL\n"))
	require.Error(t, err)
}

// ReadProc reads this process's CPU (at USER_HZ resolution) and system
// call counts.
func TestReadProc(t *testing.T) {
	p0, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	// spin until getrusage says 60 ms of CPU more have been used
	var ru syscall.Rusage
	cpu := func() time.Duration {
		require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	for x := 0; cpu()-start < 60*time.Millisecond; x++ {
		_ = x * x
	}
	f, err := os.CreateTemp(t.TempDir(), "w")
	require.NoError(t, err)
	for range 10 {
		_, err = f.Write([]byte("x"))
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	p1, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	require.GreaterOrEqual(t, p1.CPU-p0.CPU, 40*time.Millisecond, "60 ms of CPU used, read at 10 ms resolution")
	require.GreaterOrEqual(t, p1.Writes-p0.Writes, int64(10))
	require.Greater(t, p1.Reads, int64(0))
	_, err = ReadProc(1 << 30)
	require.Error(t, err)
}

package peers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"metricstream/harness/results"
)

// WrkResult is what one wrk run printed.
type WrkResult struct {
	Requests int64 // "N requests in ..."
	ReqPerS  float64
	P99NS    int64
	Errors   int64 // socket errors (connect, read, write, timeout) + non-2xx/3xx
}

var (
	wrkRequests = regexp.MustCompile(`(?m)^\s*(\d+) requests in `)
	wrkRate     = regexp.MustCompile(`(?m)^Requests/sec:\s*([0-9.]+)`)
	wrkP99      = regexp.MustCompile(`(?m)^\s*99%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	wrkSocket   = regexp.MustCompile(`(?m)^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses: (\d+)`)
)

// ParseWrk reads wrk's output (run with --latency).
func ParseWrk(out []byte) (WrkResult, error) {
	var r WrkResult
	m := wrkRequests.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("peers: no request count in wrk's output: %q", clipOut(out))
	}
	r.Requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	if m = wrkRate.FindSubmatch(out); m == nil {
		return r, fmt.Errorf("peers: no Requests/sec in wrk's output: %q", clipOut(out))
	}
	r.ReqPerS, _ = strconv.ParseFloat(string(m[1]), 64)
	if m = wrkP99.FindSubmatch(out); m == nil {
		return r, fmt.Errorf("peers: no 99%% latency in wrk's output (run it with --latency): %q", clipOut(out))
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	unit := map[string]float64{"us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9}[string(m[2])]
	r.P99NS = int64(v * unit)
	if m = wrkSocket.FindSubmatch(out); m != nil {
		for _, g := range m[1:] {
			n, _ := strconv.ParseInt(string(g), 10, 64)
			r.Errors += n
		}
	}
	if m = wrkNon2xx.FindSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		r.Errors += n
	}
	return r, nil
}

// ParseLoadtest reads `loadtest -json`'s trial: requests counted, rate,
// p99, and everything but 2xx as errors.
func ParseLoadtest(out []byte) (WrkResult, error) {
	var t results.Trial
	if err := json.Unmarshal(out, &t); err != nil {
		return WrkResult{}, fmt.Errorf("peers: loadtest -json: %w: %q", err, clipOut(out))
	}
	c := t.Counts
	return WrkResult{Requests: c.Total(), ReqPerS: t.Throughput, P99NS: t.Latency.P99, Errors: c.Total() - c.Status2xx}, nil
}

// ParseCost reads BenchmarkCost's output: cpu-ns/op by stage ("parse",
// "write/group=4", ...). With several lines per stage (-count) the median.
func ParseCost(out []byte) (map[string]float64, error) {
	all := map[string][]float64{}
	rd := benchfmt.NewReader(bytes.NewReader(out), "cost")
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		name := strings.TrimPrefix(string(res.Name.Full()), "Cost/")
		if name == string(res.Name.Full()) {
			continue
		}
		name = strings.TrimPrefix(name, "stage=")
		if i := strings.LastIndexByte(name, '-'); i > 0 { // the -GOMAXPROCS suffix
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		v, ok := origValue(res, "cpu-ns/op")
		if !ok {
			return nil, fmt.Errorf("peers: cost benchmark %s reports no cpu-ns/op", name)
		}
		all[name] = append(all[name], v)
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("peers: no BenchmarkCost results in %q", clipOut(out))
	}
	stages := map[string]float64{}
	for k, vs := range all {
		stages[k] = median(vs)
	}
	return stages, nil
}

// origValue is the value a benchmark line gave in unit, before benchfmt
// tidied it (cpu-ns/op becomes cpu-sec/op).
func origValue(res *benchfmt.Result, unit string) (float64, bool) {
	for _, v := range res.Values {
		switch {
		case v.OrigUnit == unit:
			return v.OrigValue, true
		case v.OrigUnit == "" && v.Unit == unit:
			return v.Value, true
		}
	}
	return 0, false
}

// Proc is a process's own counters.
type Proc struct {
	CPU           time.Duration // user + system, all threads, dead ones included
	Reads, Writes int64         // read and write system calls (syscr, syscw)
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on every
// Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// ReadProc reads /proc/PID/stat (utime, stime) and /proc/PID/io (syscr,
// syscw). The CPU figure has USER_HZ resolution: 10 ms, under 1% of the
// CPU a 2 s run at tens of thousands of requests a second takes.
func ReadProc(pid int) (Proc, error) {
	var p Proc
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// the command name may hold spaces and parentheses: fields follow the last ')'
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return p, fmt.Errorf("peers: /proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return p, fmt.Errorf("peers: /proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	if err1 != nil || err2 != nil {
		return p, fmt.Errorf("peers: /proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	p.CPU = time.Duration(ut+st) * clockTick
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch k {
		case "syscr":
			p.Reads = n
		case "syscw":
			p.Writes = n
		}
	}
	return p, nil
}

func clipOut(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

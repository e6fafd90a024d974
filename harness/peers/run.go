package peers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"metricstream/internal/freeport"
	"metricstream/variants"
)

// Config configures a peers run.
type Config struct {
	Root    string        // module root (builds, post.lua, results/)
	Conns   int           // connections of every load tool
	Clients int           // client ids post.lua cycles over (default Conns)
	Quota   int           // the ingestion servers' rate limit per client and second
	RunLen  time.Duration // each run's length
	Rounds  int
	Seed    uint64 // order seed (0: from the clock)
	// BenchTime is the cost benchmark's -test.benchtime per stage.
	BenchTime time.Duration
	Profile   bool   // end with a CPU profile of optimized under wrk (keep-alive)
	Out       string // directory of the results files (default Root/results/peers)
	Stdout    io.Writer
	Log       io.Writer // progress (stderr)
}

// Measure builds the targets, measures every arm Rounds times in a random
// order per round, writes the results and prints the analysis. It returns
// the path of the results file.
func Measure(ctx context.Context, cfg Config) (string, error) {
	if cfg.Conns <= 0 || cfg.Rounds <= 0 || cfg.RunLen <= 0 {
		return "", fmt.Errorf("peers: conns, rounds and run length must be > 0")
	}
	if cfg.Clients <= 0 {
		cfg.Clients = cfg.Conns
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.BenchTime <= 0 {
		cfg.BenchTime = 100 * time.Millisecond
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join(cfg.Root, "results", "peers")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return "", fmt.Errorf("peers: wrk is not installed (make peers installs Debian's): %w", err)
	}
	tmp, err := os.MkdirTemp("", "lab-peers-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	d := &driver{cfg: cfg, tmp: tmp, procs: map[string]*exec.Cmd{}, ports: map[string]int{}}
	defer d.stop()
	if err := d.build(ctx); err != nil {
		return "", err
	}
	d.pin()
	if err := d.start(ctx); err != nil {
		return "", err
	}
	res := &Results{Meta: d.meta()}
	fmt.Fprintf(cfg.Stdout, "peers: %d connections, %d client ids, rate limit %d/s per client, %v per run, %d rounds in a random order (seed %d); pinning: %s; load average %s\n",
		cfg.Conns, cfg.Clients, cfg.Quota, cfg.RunLen, cfg.Rounds, cfg.Seed, d.pinning, res.Meta.LoadStart)
	acked := map[string]int64{}
	for round := 1; round <= cfg.Rounds; round++ {
		arms := Arms()
		rand.New(rand.NewPCG(cfg.Seed, uint64(round))).Shuffle(len(arms), func(i, j int) { arms[i], arms[j] = arms[j], arms[i] })
		for pos, arm := range arms {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			r := Run{Arm: arm, Round: round, Position: pos}
			if err := d.measure(ctx, &r, acked); err != nil {
				return "", err
			}
			res.Runs = append(res.Runs, r)
			d.printRun(&r)
		}
	}
	for _, t := range Ingest {
		st, _ := d.stats(t)
		lines, _ := countLines(d.dataFile(t))
		fmt.Fprintf(cfg.Stdout, "peers: %s: limiter tracked up to %d clients after a run (limit %d/s each); file %d lines, server acknowledged %d; wrk saw %d 2xx\n",
			t, d.tracked[t], cfg.Quota, lines, st.Accepted, acked[t])
	}
	res.Meta.LoadEnd = loadAvg()
	file, err := d.write(res)
	if err != nil {
		return "", err
	}
	fmt.Fprintln(cfg.Stdout)
	Print(cfg.Stdout, res, Analyze(res))
	if cfg.Profile {
		if err := d.profile(ctx, file); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(cfg.Stdout, "\npeers: %s (benchfmt: %s)\n", file, strings.TrimSuffix(file, ".json")+".txt")
	return file, nil
}

type driver struct {
	cfg     Config
	tmp     string
	procs   map[string]*exec.Cmd // target -> server process
	ports   map[string]int
	srvPin  []string
	loadPin []string
	threads int // wrk -t
	pinning string
	tracked map[string]int // limiter clients seen after a run, most
}

func (d *driver) bin(name string) string { return filepath.Join(d.tmp, name) }

func (d *driver) logf(format string, args ...any) {
	if d.cfg.Log != nil {
		fmt.Fprintf(d.cfg.Log, format+"\n", args...)
	}
}

// build compiles lab (for lab noop), loadtest, reference, optimized,
// optimized-sync and the server package's test binary (BenchmarkCost).
func (d *driver) build(ctx context.Context) error {
	d.logf("peers: building lab, loadtest, reference, optimized, optimized-sync, server.test")
	tags := func(spec string) (string, error) {
		s, err := variants.Parse(spec)
		if err != nil {
			return "", err
		}
		return s.Tags(), nil
	}
	opt, err := tags("optimized")
	if err != nil {
		return err
	}
	sync, err := tags("writer=sync")
	if err != nil {
		return err
	}
	for _, b := range [][]string{
		{"build", "-o", d.bin("lab"), "./cmd/lab"},
		{"build", "-o", d.bin("loadtest"), "./cmd/loadtest"},
		{"build", "-o", d.bin(Reference), "./cmd/reference"},
		{"build", "-tags", opt, "-o", d.bin(Optimized), "./cmd/metricstream"},
		{"build", "-tags", sync, "-o", d.bin(OptimizedSync), "./cmd/metricstream"},
		{"test", "-c", "-o", d.bin("server.test"), "./server"},
	} {
		cmd := exec.CommandContext(ctx, "go", b...)
		cmd.Dir = d.cfg.Root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("peers: go %s: %w\n%s", strings.Join(b, " "), err, out)
		}
	}
	return nil
}

// pin puts the servers (and the cost benchmark) on cpu0 and the load on
// cpu1 where there are two CPUs and taskset; GOMAXPROCS is then 1 on each
// side and wrk runs one thread.
func (d *driver) pin() {
	d.threads, d.pinning = 2, "none (fewer than 2 CPUs or no taskset)"
	if _, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() >= 2 {
		d.srvPin, d.loadPin = []string{"taskset", "-c", "0"}, []string{"taskset", "-c", "1"}
		d.threads, d.pinning = 1, "servers and cost benchmark cpu0, load cpu1"
	}
}

func (d *driver) command(ctx context.Context, pin []string, name string, args ...string) *exec.Cmd {
	argv := append(append([]string(nil), pin...), name)
	argv = append(argv, args...)
	return exec.CommandContext(ctx, argv[0], argv[1:]...)
}

func (d *driver) dataFile(target string) string { return d.bin(target + ".jsonl") }

// start launches the five targets on free loopback ports and waits until
// each accepts connections.
func (d *driver) start(ctx context.Context) error {
	d.tracked = map[string]int{}
	for _, t := range Targets {
		p, err := freeport.Port()
		if err != nil {
			return err
		}
		d.ports[t] = p
	}
	addr := func(t string) string { return "127.0.0.1:" + strconv.Itoa(d.ports[t]) }
	quota := strconv.Itoa(d.cfg.Quota)
	argv := map[string][]string{
		NetHTTPNoop:  {d.bin("lab"), "noop", "-addr", addr(NetHTTPNoop)},
		FastHTTPNoop: {d.bin("lab"), "noop", "-impl", "fasthttp", "-addr", addr(FastHTTPNoop)},
		Reference:    {d.bin(Reference), "-addr", addr(Reference), "-data", d.dataFile(Reference), "-rate-limit", quota},
		// no -pprof here: it turns block and mutex profiling on, which
		// costs every blocking event; the profile (-profile) runs a
		// second instance of its own
		Optimized:     {d.bin(Optimized), "-addr", addr(Optimized), "-data", d.dataFile(Optimized), "-rate-limit", quota, "-log-level", "warn"},
		OptimizedSync: {d.bin(OptimizedSync), "-addr", addr(OptimizedSync), "-data", d.dataFile(OptimizedSync), "-rate-limit", quota, "-log-level", "warn"},
	}
	for _, t := range Targets {
		cmd := d.command(context.WithoutCancel(ctx), d.srvPin, argv[t][0], argv[t][1:]...)
		log, err := os.Create(d.bin(t + ".log"))
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			log.Close()
			return fmt.Errorf("peers: start %s: %w", t, err)
		}
		log.Close()
		d.procs[t] = cmd
	}
	for _, t := range Targets {
		if err := waitUp(ctx, addr(t)); err != nil {
			out, _ := os.ReadFile(d.bin(t + ".log"))
			return fmt.Errorf("peers: %s: %w\n%s", t, err, out)
		}
	}
	return nil
}

// stop ends every target (SIGTERM, then SIGKILL after 5 s).
func (d *driver) stop() {
	for _, cmd := range d.procs {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, cmd := range d.procs {
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
}

func waitUp(ctx context.Context, addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("nothing listening on %s after 10 s", addr)
}

// serverStats are the figures of an ingestion server's GET /metrics the
// gates read.
type serverStats struct {
	Accepted int64 `json:"metrics_accepted"`
	Clients  struct {
		Dropped int64 `json:"dropped"`
	} `json:"clients"`
	Limiter struct {
		Clients int `json:"clients"`
	} `json:"limiter"`
}

func (d *driver) stats(target string) (serverStats, error) {
	var st serverStats
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(d.ports[target]) + "/metrics")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return st, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&st)
	return st, err
}

func countLines(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	return int64(bytes.Count(b, []byte{'\n'})), err
}

// measure runs one arm and fills r, gates included. acked sums the 2xx
// answers wrk counted per ingestion target over the whole run.
func (d *driver) measure(ctx context.Context, r *Run, acked map[string]int64) error {
	if r.Tool == Bench {
		return d.bench(ctx, r)
	}
	ingest := slices.Contains(Ingest, r.Target)
	lab := r.Target == Optimized || r.Target == OptimizedSync
	var drop0 int64
	if lab {
		st, err := d.stats(r.Target)
		if err != nil {
			return fmt.Errorf("peers: %s: %w", r.Target, err)
		}
		drop0 = st.Clients.Dropped
	}
	pid := d.procs[r.Target].Process.Pid
	p0, err := ReadProc(pid)
	if err != nil {
		return fmt.Errorf("peers: %s: %w", r.Target, err)
	}
	var cmd *exec.Cmd
	port := strconv.Itoa(d.ports[r.Target])
	secs := strconv.FormatFloat(d.cfg.RunLen.Seconds(), 'f', -1, 64) + "s"
	if r.Tool == Wrk {
		args := []string{"-t" + strconv.Itoa(d.threads), "-c" + strconv.Itoa(d.cfg.Conns), "-d" + secs, "--latency"}
		if r.Mode == Close {
			args = append(args, "-H", "Connection: close")
		}
		args = append(args, "-s", filepath.Join(d.cfg.Root, "harness/peers/post.lua"),
			"http://127.0.0.1:"+port+"/metrics", "--", strconv.Itoa(d.cfg.Clients))
		cmd = d.command(ctx, d.loadPin, "wrk", args...)
	} else {
		args := []string{"-json", "-duration", secs}
		if r.Mode == KeepAlive {
			args = append(args, "-keepalive")
		}
		cmd = d.command(ctx, d.loadPin, d.bin("loadtest"), append(args, port, strconv.Itoa(d.cfg.Conns), "0")...)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	t0 := time.Now()
	err = cmd.Run()
	r.WallNS = time.Since(t0).Nanoseconds()
	p1, perr := ReadProc(pid)
	if err != nil {
		return fmt.Errorf("peers: %s: %w\n%s%s", r.Arm, err, out.Bytes(), errOut.Bytes())
	}
	if perr != nil {
		return fmt.Errorf("peers: %s: %w", r.Target, perr)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.ToolCPUNS = ru.Utime.Nano() + ru.Stime.Nano()
	}
	r.ServerCPUNS = (p1.CPU - p0.CPU).Nanoseconds()
	r.ServerReads, r.ServerWrites = p1.Reads-p0.Reads, p1.Writes-p0.Writes
	var wr WrkResult
	if r.Tool == Wrk {
		wr, err = ParseWrk(out.Bytes())
	} else {
		wr, err = ParseLoadtest(out.Bytes())
	}
	if err != nil {
		return err
	}
	r.ReqPerS, r.P99NS, r.Requests, r.Errors = wr.ReqPerS, wr.P99NS, wr.Requests, wr.Errors
	var why []string
	if r.Errors != 0 {
		why = append(why, fmt.Sprintf("%d errors (non-2xx or socket)", r.Errors))
	}
	if ingest {
		acked[r.Target] += r.Requests - r.Errors
		if msg := d.integrity(r.Target, acked[r.Target]); msg != "" {
			why = append(why, msg)
		}
		if st, err := d.stats(r.Target); err == nil {
			// the limiter forgets clients idle for 10 s: read it right after the run
			d.tracked[r.Target] = max(d.tracked[r.Target], st.Limiter.Clients)
			if lab {
				r.Dropped = st.Clients.Dropped - drop0
			}
		}
	}
	r.Excluded = strings.Join(why, "; ")
	return nil
}

// integrity is "" when the target's data file holds exactly the metrics
// it acknowledged and at least every 2xx the load tools counted (it waits
// up to 5 s for an async writer to drain), else why not.
func (d *driver) integrity(target string, acked int64) string {
	var lines int64
	var st serverStats
	var err error
	for range 50 {
		if st, err = d.stats(target); err != nil {
			return "GET /metrics: " + err.Error()
		}
		if lines, err = countLines(d.dataFile(target)); err != nil {
			return err.Error()
		}
		if lines == st.Accepted {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	switch {
	case lines != st.Accepted:
		return fmt.Sprintf("file has %d lines, server acknowledged %d", lines, st.Accepted)
	case lines < acked:
		return fmt.Sprintf("file has %d lines, the load tools got %d 2xx", lines, acked)
	}
	return ""
}

// bench runs BenchmarkCost once, pinned like the servers.
func (d *driver) bench(ctx context.Context, r *Run) error {
	cmd := d.command(ctx, d.srvPin, d.bin("server.test"), "-test.run", "^$", "-test.bench", "^BenchmarkCost$",
		"-test.benchtime", d.cfg.BenchTime.String(), "-test.count", "1")
	cmd.Dir = d.tmp
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	r.WallNS = time.Since(t0).Nanoseconds()
	if err != nil {
		r.Excluded = fmt.Sprintf("BenchmarkCost failed: %v: %s", err, clipOut(out))
		return nil
	}
	st, err := ParseCost(out)
	if err != nil {
		r.Excluded = err.Error()
		return nil
	}
	r.Stages = st
	return nil
}

func (d *driver) printRun(r *Run) {
	w := d.cfg.Stdout
	if r.Tool == Bench {
		enq, per, err := WriteFit(r.Stages)
		fit := ""
		if err == nil {
			fit = fmt.Sprintf("  write = %.0f + %.0f/G", enq, per)
		}
		fmt.Fprintf(w, "round %d  %-32s parse %.0f  limit %.0f  record %.0f  respond %.0f  cpu-ns/op%s%s\n", r.Round, "cost benchmarks",
			r.Stages["parse"], r.Stages["limit"], r.Stages["record"], r.Stages["respond"], fit, excludedNote(r))
		return
	}
	extra := ""
	if r.Target == Optimized || r.Target == OptimizedSync {
		extra = fmt.Sprintf("  dropped %d  file writes/req %.2f", r.Dropped, r.FileWritesPerReq())
	}
	fmt.Fprintf(w, "round %d  %-32s %9.0f req/s  p99 %8.2f ms  server %6.2f µs/req (%3.0f%% of a core)  tool %6.2f µs/req  errors %d%s%s\n",
		r.Round, r.Arm.String(), r.ReqPerS, float64(r.P99NS)/1e6, r.ServerCPUPerReq()/1e3, 100*r.ServerBusy(),
		r.ToolCPUPerReq()/1e3, r.Errors, extra, excludedNote(r))
}

func excludedNote(r *Run) string {
	if r.Passed() {
		return ""
	}
	return "  EXCLUDED: " + r.Excluded
}

func (d *driver) meta() Meta {
	m := Meta{
		Date: time.Now().UTC(), GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(),
		Pinning: d.pinning, Conns: d.cfg.Conns, Clients: d.cfg.Clients, Quota: d.cfg.Quota,
		SecsPer: d.cfg.RunLen.Seconds(), Rounds: d.cfg.Rounds, Order: "random", OrderSeed: d.cfg.Seed,
		LoadStart: loadAvg(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("git", "-C", d.cfg.Root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	if out, _ := exec.Command("wrk", "-v").CombinedOutput(); len(out) > 0 {
		if f := strings.Fields(string(out)); len(f) > 1 {
			m.Wrk = f[1]
		}
	}
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// write stores res as <date>.json and the passing runs as benchfmt in
// <date>.txt (go tool benchstat -col /target reads it).
func (d *driver) write(res *Results) (string, error) {
	if err := os.MkdirAll(d.cfg.Out, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(d.cfg.Out, res.Meta.Date.Format("20060102T150405Z"))
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".json", append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	var txt bytes.Buffer
	WriteBenchfmt(&txt, res)
	return base + ".json", os.WriteFile(base+".txt", txt.Bytes(), 0o644)
}

// WriteBenchfmt writes res's passing runs in Go benchmark format, one
// line per run (so benchstat sees every round), with the run's
// configuration as file-level keys.
func WriteBenchfmt(w io.Writer, res *Results) {
	m := res.Meta
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\ncpu: %s\ngo: %s\nwrk: %s\npinning: %s\nclients: %d\nrate-limit: %d\norder: %s %d\nload-average: %s\n",
		runtime.GOOS, runtime.GOARCH, m.CPU, m.GoVersion, m.Wrk, m.Pinning, m.Clients, m.Quota, m.Order, m.OrderSeed, m.LoadStart)
	for i := range res.Runs {
		r := &res.Runs[i]
		if !r.Passed() {
			continue
		}
		if r.Tool == Bench {
			for _, k := range sortedKeys(r.Stages) {
				fmt.Fprintf(w, "BenchmarkCost/stage=%s 1 %.1f cpu-ns/op\n", k, r.Stages[k])
			}
			continue
		}
		fmt.Fprintf(w, "BenchmarkPeer/target=%s/tool=%s/mode=%s/conns=%d 1 %.0f req/s %d p99-ns %.0f server-cpu-ns/req %.0f tool-cpu-ns/req\n",
			r.Target, r.Tool, r.Mode, m.Conns, r.ReqPerS, r.P99NS, r.ServerCPUPerReq(), r.ToolCPUPerReq())
	}
}

// profile starts a second optimized, with -pprof, takes its CPU profile
// under wrk (keep-alive) and prints go tool pprof -top.
func (d *driver) profile(ctx context.Context, file string) error {
	port, err := freeport.Port()
	if err != nil {
		return err
	}
	pprof, err := freeport.Port()
	if err != nil {
		return err
	}
	const target = "optimized-pprof"
	cmd := d.command(context.WithoutCancel(ctx), d.srvPin, d.bin(Optimized), "-addr", "127.0.0.1:"+strconv.Itoa(port),
		"-data", d.dataFile(target), "-rate-limit", strconv.Itoa(d.cfg.Quota), "-log-level", "warn", "-pprof", "127.0.0.1:"+strconv.Itoa(pprof))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("peers: profile: %w", err)
	}
	d.procs[target], d.ports[target] = cmd, port
	if err := waitUp(ctx, "127.0.0.1:"+strconv.Itoa(port)); err != nil {
		return fmt.Errorf("peers: profile: %w", err)
	}
	secs := max(1, int(d.cfg.RunLen.Seconds())-1)
	prof := strings.TrimSuffix(file, ".json") + ".optimized.cpu.pprof"
	done := make(chan error, 1)
	go func() {
		c := &http.Client{Timeout: time.Duration(secs+10) * time.Second}
		resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", pprof, secs))
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(prof)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	r := Run{Arm: Arm{target, Wrk, KeepAlive}}
	if err := d.measure(ctx, &r, map[string]int64{}); err != nil {
		return err
	}
	if err := <-done; err != nil {
		return fmt.Errorf("peers: profile: %w", err)
	}
	fmt.Fprintf(d.cfg.Stdout, "\n### optimized under wrk (keep-alive, %d client ids; a second instance, with -pprof: block and mutex profiling on): CPU profile, go tool pprof -top\n", d.cfg.Clients)
	pp := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount", "35", d.bin(Optimized), prof)
	pp.Dir = d.cfg.Root
	out, err := pp.Output()
	if err != nil {
		return fmt.Errorf("peers: pprof: %w", err)
	}
	lines := strings.Split(string(out), "\n")
	fmt.Fprintln(d.cfg.Stdout, strings.Join(lines[:min(len(lines), 45)], "\n"))
	fmt.Fprintf(d.cfg.Stdout, "profile: %s\n", prof)
	return nil
}

// ReadResults reads a stored results file (<date>.json).
func ReadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("peers: %s: %w", path, err)
	}
	return &res, nil
}

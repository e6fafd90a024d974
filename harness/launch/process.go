package launch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"metricstream/internal/freeport"
	"metricstream/internal/fsname"
	"metricstream/internal/redisproc"
	"metricstream/internal/stages"
)

// Instance is one running server.
type Instance interface {
	Addr() string      // host:port of its HTTP API
	DataFile() string  // its JSON Lines file; "" when not observable (remote target)
	PprofAddr() string // host:port serving /debug/pprof/; "" when none
	// Stop asks the server to shut down gracefully (SIGTERM) and waits for
	// it; it returns the exit code.
	Stop(ctx context.Context) (exitCode int, err error)
}

// Launcher starts servers.
type Launcher interface {
	// Start starts arm with the given extra server flags, its data file and
	// logs under dir, and returns once /health answers.
	Start(ctx context.Context, arm Arm, flags []string, dir string) (Instance, error)
}

// ModuleRoot finds the directory holding the lab's go.mod, from dir upwards.
func ModuleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("launch: %w", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module metricstream")) {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("launch: no metricstream go.mod above %s", dir)
		}
		d = up
	}
}

// Build compiles the server once per distinct variant into binDir and
// returns a Launcher for those binaries. root is the module root. A
// reference arm builds ./cmd/reference instead of ./cmd/metricstream.
func Build(ctx context.Context, root, binDir string, arms []Arm, log func(string)) (*ProcessLauncher, error) {
	pl := &ProcessLauncher{bins: map[string]string{}}
	for _, a := range arms {
		key, tags := a.buildKey(), a.Set.Tags()
		if a.Reference {
			tags = ""
		}
		if _, ok := pl.bins[key]; ok {
			continue
		}
		bin := filepath.Join(binDir, "metricstream-"+strconv.Itoa(len(pl.bins)))
		if log != nil {
			log(fmt.Sprintf("build %s (%s -tags %q)", a.Label, a.pkg(), tags))
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", tags, "-o", bin, a.pkg())
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("launch: build %s (%s -tags %q): %v\n%s", a.Label, a.pkg(), tags, err, tail(out, 2000))
		}
		pl.bins[key] = bin
	}
	return pl, nil
}

// ProcessLauncher starts built server binaries as child processes on free
// 127.0.0.1 ports.
type ProcessLauncher struct {
	bins map[string]string // Arm.buildKey (build tags, or "reference") -> binary
	// Pin prefixes servers with `taskset -c 0`.
	Pin bool
	// Pprof starts servers with -pprof on a second free port.
	Pprof bool
	// Stages starts servers with -stages (stage timing at this sampling
	// rate; 0: off), where the binary accepts the flag; NoStages lists the
	// labels whose binary did not (their trials carry no stage costs).
	Stages   stages.Every
	NoStages []string
	// Ready bounds the wait for /health after start (default 15s).
	Ready time.Duration
	// CPUs, when > 0, pins servers to cores 0..CPUs-1 (taskset) and sets
	// their GOMAXPROCS to CPUs (lab experiment -cpus); it replaces Pin.
	CPUs int
	n    int
}

// MaxIDsPerAddr is the -max-ids-per-addr every lab server is started with
// (unless the scenario's flags give one): the generator plays all its
// clients, each with its own Authorization, from 127.0.0.1, so the
// server's default cap (64 ids per remote address) would otherwise measure
// the cap in every scenario with more clients than that. The reference
// server has no such cap and no such flag.
const MaxIDsPerAddr = 1000000

// SetCPUs implements CPULimiter.
func (pl *ProcessLauncher) SetCPUs(n int) error {
	if n < 0 {
		return fmt.Errorf("launch: cpus must be >= 0, got %d", n)
	}
	pl.CPUs = n
	return nil
}

// CPULimiter is a Launcher that can pin the servers it starts from now on
// to n cores (0: no limit).
type CPULimiter interface {
	SetCPUs(n int) error
}

// Start implements Launcher.
func (pl *ProcessLauncher) Start(ctx context.Context, arm Arm, flags []string, dir string) (Instance, error) {
	bin, ok := pl.bins[arm.buildKey()]
	if !ok {
		return nil, fmt.Errorf("launch: %s was not built", arm.Label)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between probe and bind
		inst, err := pl.start(ctx, bin, arm, flags, dir)
		if err == nil {
			return inst, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func (pl *ProcessLauncher) start(ctx context.Context, bin string, arm Arm, flags []string, dir string) (*process, error) {
	port, err := freeport.Port()
	if err != nil {
		return nil, err
	}
	pl.n++
	name := fmt.Sprintf("%s-%d", SafeName(arm.Label), pl.n)
	p := &process{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), data: filepath.Join(dir, name+".jsonl"), done: make(chan struct{})}
	args := []string{"-addr", p.addr, "-data", p.data}
	if pl.Pprof {
		pp, err := freeport.Port()
		if err != nil {
			return nil, err
		}
		p.pprof = net.JoinHostPort("127.0.0.1", strconv.Itoa(pp))
		args = append(args, "-pprof", p.pprof)
	}
	if arm.Set["limiter"] == "redis" && !slices.Contains(flags, "-redis-addr") {
		// limiter=redis keeps its limit in Redis: give the instance a
		// redis-server of its own on a free loopback port, stopped with it
		// (unless flags name one: replicas share their fleet's)
		rdir, err := os.MkdirTemp(dir, name+"-redis-")
		if err != nil {
			return nil, fmt.Errorf("launch: %w", err)
		}
		if p.redis, err = redisproc.Run(rdir); err != nil {
			return nil, fmt.Errorf("launch: %s: %w", arm.Label, err)
		}
		args = append(args, "-redis-addr", p.redis.Addr)
	}
	// Stage timing: the run's sample, or the scenario's own (a -stages in
	// flags) while the run times stages; neither for a binary without the
	// flag (it must still start: NoStages says it was not timed).
	if has := slices.Contains(flags, "-stages"); has || pl.Stages != 0 {
		switch {
		case pl.Stages == 0 || !SupportsFlag(bin, "stages"):
			flags = withoutFlag(flags, "-stages")
			if pl.Stages != 0 && !slices.Contains(pl.NoStages, arm.Label) {
				pl.NoStages = append(pl.NoStages, arm.Label)
			}
		case !has:
			args = append(args, StagesFlags(pl.Stages)...)
		}
	}
	if !arm.Reference && !slices.Contains(flags, "-max-ids-per-addr") {
		args = append(args, "-max-ids-per-addr", strconv.Itoa(MaxIDsPerAddr))
	}
	args = append(args, flags...)
	var cmd *exec.Cmd
	switch {
	case pl.CPUs > 0:
		cmd = exec.Command("taskset", append([]string{"-c", fmt.Sprintf("0-%d", pl.CPUs-1), bin}, args...)...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(pl.CPUs))
	case pl.Pin:
		cmd = exec.Command("taskset", append([]string{"-c", "0", bin}, args...)...)
	default:
		cmd = exec.Command(bin, args...)
	}
	p.log = filepath.Join(dir, name+".log")
	logf, err := os.Create(p.log)
	if err != nil {
		p.stopRedis()
		return nil, fmt.Errorf("launch: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		p.stopRedis()
		return nil, fmt.Errorf("launch: start %s: %w", arm.Label, err)
	}
	p.cmd = cmd
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		p.stopRedis() // the server is gone: so is what it needed
		close(p.done)
	}()
	ready := pl.Ready
	if ready <= 0 {
		ready = 15 * time.Second
	}
	if err := waitHealthy(ctx, p.addr, ready, p.done); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		return nil, fmt.Errorf("launch: %s (%s %s) did not become healthy: %v; log: %s", arm.Label, bin, strings.Join(args, " "), err, tailOfFile(p.log, 800))
	}
	return p, nil
}

// withoutFlag is flags without -name and its value.
func withoutFlag(flags []string, name string) []string {
	out := make([]string, 0, len(flags))
	for i := 0; i < len(flags); i++ {
		if flags[i] == name {
			i++ // and its value
			continue
		}
		out = append(out, flags[i])
	}
	return out
}

type process struct {
	addr, data, pprof, log string
	cmd                    *exec.Cmd
	done                   chan struct{}
	waitErr                error             // valid after done is closed
	redis                  *redisproc.Server // limiter=redis: the instance's redis-server, or nil
}

func (p *process) stopRedis() {
	if p.redis != nil {
		p.redis.Stop()
	}
}

func (p *process) Addr() string      { return p.addr }
func (p *process) DataFile() string  { return p.data }
func (p *process) PprofAddr() string { return p.pprof }

// Stop sends SIGTERM and waits up to ctx's deadline (default 20s), then kills.
func (p *process) Stop(ctx context.Context) (int, error) {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	t := time.NewTimer(20 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
		<-p.done
		return -1, fmt.Errorf("launch: server %s killed: %w", p.addr, ctx.Err())
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return -1, fmt.Errorf("launch: server %s did not exit within 20s of SIGTERM; killed", p.addr)
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ExitCode(), nil
	}
	if p.waitErr != nil {
		return -1, p.waitErr
	}
	return 0, nil
}

// Kill sends SIGKILL (a crash: no shutdown, no flush) and waits for the
// process to exit.
func (p *process) Kill() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("launch: kill %s: %w", p.addr, err)
	}
	<-p.done
	return nil
}

// waitHealthy polls GET /health until it answers 200, the process exits
// (exited is closed), or the wait is over.
func waitHealthy(ctx context.Context, addr string, wait time.Duration, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	c := &http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /health: %s", resp.Status)
		}
		select {
		case <-exited:
			return fmt.Errorf("the server exited")
		case <-ctx.Done():
			return fmt.Errorf("after %s: %v", wait, err)
		case <-tick.C:
		}
	}
}

// SafeName maps s to a file-name-safe string (fsname.Safe).
func SafeName(s string) string { return fsname.Safe(s) }

func tail(b []byte, n int) string {
	if len(b) > n {
		return "…" + string(b[len(b)-n:])
	}
	return string(b)
}

// tailOfFile is the last n bytes of the file at path ("" when unreadable).
func tailOfFile(path string, n int) string {
	b, _ := os.ReadFile(path)
	return tail(b, n)
}

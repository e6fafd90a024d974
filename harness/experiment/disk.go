package experiment

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The disk-fault kinds' runners: the data file's disk fills and gets room
// again (disk-full), or every write to it is slow (disk-slow). Like the
// other fault trials each starts a server of its own, runs the scenario's
// closed-loop load while it samples GET /health, SIGTERMs the server and
// audits its file against every metric acknowledged: per writer,
// acknowledged against landed, the share of 503, the p99 of the accepted
// requests (Trial.Latency is of 2xx answers only), the memory, and for
// disk-full the time to recover once the disk has room.
//
// The full disk is the server's RLIMIT_FSIZE, set on the running process
// (prlimit(2): same user, no root, no mount): writes that would take the
// file past the limit fail with EFBIG, the first one short, which is what
// a full filesystem's ENOSPC does to the writer. The server ignores
// SIGXFSZ (cmd/metricstream), so the limit cannot kill it.
func init() {
	registerRunner(scenario.KindDiskFull, diskFullTrial)
	registerRunner(scenario.KindDiskSlow, diskSlowTrial)
}

// diskSample is how often a disk trial reads GET /health.
const diskSample = 100 * time.Millisecond

// diskTrial starts tr's record as a disk-fault trial's and returns its
// disk figures.
func diskTrial(tr *trial) *results.DiskFault {
	df := &results.DiskFault{Writer: tr.arm.Arm.Set["writer"]}
	tr.rec = results.Trial{Model: "closed", Clients: tr.step.Config.Clients, Batch: max(1, tr.step.Config.Batch), KeepAlive: true,
		Kind: string(tr.sc.Kind), Fault: &results.FaultStats{Disk: df}}
	return df
}

// diskFullTrial: the data file may grow scenario.DiskRoom bytes while the
// scenario's load runs; scenario.DiskFullFor after the first refusal the
// limit is lifted and the load goes on to its end.
func diskFullTrial(tr *trial) error {
	df := diskTrial(tr)
	df.RoomBytes = scenario.DiskRoom
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	si := &stopInfo{Instance: inst}
	lim, err := limitFileSize(inst, scenario.DiskRoom)
	if err != nil {
		return also(tr.problem("%v", err), tr.audit(si, 0))
	}
	full := newFullSignal()
	hs := sampleHealth(tr.ctx, inst.Addr(), df, full.set)
	lc := tr.step.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "disk-"+tr.id+"-"
	tally, rec, ok := &Tally{}, &answers{}, newOKHist()
	start := time.Now()

	var lifted time.Time
	var liftErr error
	liftDone := make(chan struct{})
	go func() {
		defer close(liftDone)
		lifted, liftErr = full.liftAfter(tr.ctx, lim, start.Add(lc.Duration/2), scenario.DiskFullFor)
	}()
	t := tr.attack(lc, tally, rec, ok, full)
	<-liftDone
	hs.stop()
	ok.fill(&t)
	t.Kind, t.Fault = string(tr.sc.Kind), &results.FaultStats{Disk: df}
	tr.rec = t
	filled := full.at()
	var found error
	switch {
	case liftErr != nil:
		found = tr.problem("lifting the file size limit: %v", liftErr)
	case filled.IsZero():
		found = tr.problem("the disk never refused a batch in the first half of the run (room %d bytes): no full disk was measured", scenario.DiskRoom)
	}
	if !filled.IsZero() {
		df.FilledAtNS, df.FullNS = int64(filled.Sub(start)), int64(lifted.Sub(filled))
	}
	recoveryOf(rec.as, filled, lifted, df)
	return also(found, stopDisk(tr, si, tally.Acked(), df))
}

// recoveryOf fills df's counts of the full phase (requests sent from
// filled to lifted) and the recovery after lifted.
func recoveryOf(as []answer, filled, lifted time.Time, df *results.DiskFault) {
	df.Full, df.FirstOKNS = &results.Counts{}, -1
	for _, an := range as {
		switch {
		case !filled.IsZero() && !an.sent.Before(filled) && an.sent.Before(lifted):
			addClass(df.Full, an.class)
		case !an.sent.Before(lifted) && an.class == load.Class2xx:
			if ns := int64(an.end.Sub(lifted)); df.FirstOKNS < 0 || ns < df.FirstOKNS {
				df.FirstOKNS = ns
			}
		case !an.sent.Before(lifted):
			df.RecoveryNS = max(df.RecoveryNS, int64(an.end.Sub(lifted)))
		}
	}
}

// diskSlowTrial: every write to the data file waits the step's delay (the
// server's -write-delay) while the scenario's load runs.
func diskSlowTrial(tr *trial) error {
	df := diskTrial(tr)
	df.WriteDelayNS = int64(tr.step.WriteDelay())
	var extra []string
	if tr.step.WriteDelay() > 0 {
		extra = []string{"-write-delay", tr.step.WriteDelay().String()}
	}
	inst, err := tr.start(extra...)
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	si := &stopInfo{Instance: inst}
	hs := sampleHealth(tr.ctx, inst.Addr(), df, nil)
	lc := tr.step.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "disk-"+tr.id+"-"
	tally, ok := &Tally{}, newOKHist()
	t := tr.attack(lc, tally, ok)
	hs.stop()
	ok.fill(&t)
	t.Kind, t.Fault = string(tr.sc.Kind), &results.FaultStats{Disk: df}
	tr.rec = t
	return stopDisk(tr, si, tally.Acked(), df)
}

// stopDisk SIGTERMs the server and audits its file (trial.audit), noting
// the exit code and the lines that landed in df.
func stopDisk(tr *trial, si *stopInfo, acked int64, df *results.DiskFault) error {
	found := tr.audit(si, acked)
	df.ExitCode, df.Landed = si.code, si.lines
	return found
}

// stopInfo is an Instance whose Stop notes the exit code and counts the
// data file's complete lines before the audit (which may remove it).
type stopInfo struct {
	launch.Instance
	code  int
	lines int64
}

func (s *stopInfo) Stop(ctx context.Context) (int, error) {
	code, err := s.Instance.Stop(ctx)
	s.code = code
	if f := s.DataFile(); f != "" {
		s.lines, _, _ = FileLines(f)
	}
	return code, err
}

// fileLimit is a lowered RLIMIT_FSIZE on a running server.
type fileLimit struct {
	pid int
	old unix.Rlimit
}

// limitFileSize lets inst's data file grow by room bytes from its size
// now: RLIMIT_FSIZE on the server process.
func limitFileSize(inst launch.Instance, room int64) (*fileLimit, error) {
	p, ok := inst.(interface{ PID() int })
	if !ok {
		return nil, fmt.Errorf("disk-full: this launcher gives no process id whose file size limit could be set")
	}
	var size int64
	if fi, err := os.Stat(inst.DataFile()); err == nil {
		size = fi.Size()
	}
	l := &fileLimit{pid: p.PID()}
	if err := unix.Prlimit(l.pid, unix.RLIMIT_FSIZE, nil, &l.old); err != nil {
		return nil, fmt.Errorf("disk-full: read RLIMIT_FSIZE of pid %d: %w", l.pid, err)
	}
	lim := unix.Rlimit{Cur: uint64(size + room), Max: l.old.Max}
	if err := unix.Prlimit(l.pid, unix.RLIMIT_FSIZE, &lim, nil); err != nil {
		return nil, fmt.Errorf("disk-full: set RLIMIT_FSIZE of pid %d: %w", l.pid, err)
	}
	return l, nil
}

// lift restores the limit the server had.
func (l *fileLimit) lift() error {
	if err := unix.Prlimit(l.pid, unix.RLIMIT_FSIZE, &l.old, nil); err != nil {
		return fmt.Errorf("disk-full: restore RLIMIT_FSIZE of pid %d: %w", l.pid, err)
	}
	return nil
}

// fullSignal notes the first refusal of a full disk: a 503 answer (it is a
// load.Recorder) or a degraded /health (set).
type fullSignal struct {
	once  sync.Once
	c     chan struct{}
	mu    sync.Mutex
	first time.Time // guarded by mu
}

func newFullSignal() *fullSignal { return &fullSignal{c: make(chan struct{})} }

func (f *fullSignal) set(at time.Time) {
	f.once.Do(func() {
		f.mu.Lock()
		f.first = at
		f.mu.Unlock()
		close(f.c)
	})
}

// Add implements load.Recorder.
func (f *fullSignal) Add(r *load.Result) {
	if r.Class == load.Class503 {
		f.set(r.Intended.Add(r.Latency))
	}
}

func (f *fullSignal) at() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// liftAfter lifts l for after the first refusal, or at giveUp if none came
// by then, and returns when it lifted.
func (f *fullSignal) liftAfter(ctx context.Context, l *fileLimit, giveUp time.Time, after time.Duration) (time.Time, error) {
	select {
	case <-f.c:
		select {
		case <-time.After(after):
		case <-ctx.Done():
		}
	case <-time.After(time.Until(giveUp)):
	case <-ctx.Done():
	}
	err := l.lift()
	return time.Now(), err
}

// healthSampler reads GET /health every diskSample into a DiskFault.
type healthSampler struct{ stop func() }

// diskHealth is the part of GET /health a disk trial reads.
type diskHealth struct {
	Status  string `json:"status"`
	Process struct {
		RSSBytes int64 `json:"rss_bytes"`
	} `json:"process"`
	Writer struct {
		QueueDepth int   `json:"queue_depth"`
		HeldBytes  int64 `json:"held_bytes"`
	} `json:"writer"`
	Seed *struct {
		Unbounded *struct {
			QueueDepth  int   `json:"queue_depth"`
			QueuedBytes int64 `json:"queued_bytes"`
		} `json:"unbounded"`
	} `json:"seed"`
}

// sampleHealth samples addr's /health into df until stop; degraded, when
// not nil, hears the time of the first degraded answer.
func sampleHealth(ctx context.Context, addr string, df *results.DiskFault, degraded func(time.Time)) healthSampler {
	sample := func() {
		var h diskHealth
		if getJSON(ctx, addr, "/health", &h) != nil {
			return
		}
		if df.HealthSamples == 0 {
			df.RSSStartBytes = h.Process.RSSBytes
		}
		df.HealthSamples++
		df.RSSPeakBytes = max(df.RSSPeakBytes, h.Process.RSSBytes)
		df.HeldPeakBytes = max(df.HeldPeakBytes, h.Writer.HeldBytes)
		df.QueuePeakDepth = max(df.QueuePeakDepth, h.Writer.QueueDepth)
		if h.Seed != nil && h.Seed.Unbounded != nil {
			df.QueuePeakDepth = max(df.QueuePeakDepth, h.Seed.Unbounded.QueueDepth)
			df.QueuePeakBytes = max(df.QueuePeakBytes, h.Seed.Unbounded.QueuedBytes)
		}
		if h.Status == "degraded" {
			df.DegradedSamples++
			if degraded != nil {
				degraded(time.Now())
			}
		}
	}
	sample() // before the load: the resident set it starts from
	stop := every(diskSample, sample)
	return healthSampler{stop: func() { stop(); sample() }}
}

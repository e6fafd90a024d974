package experiment

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The slowloris kind's runner (see faults.go for what fault trials share).
func init() { registerRunner(scenario.KindSlowloris, slowlorisTrial) }

// Slowloris attack parameters.
const (
	// slowPrefix is what an attacker sends at once: a request line and the
	// start of a header that never ends.
	slowPrefix = "POST /metrics HTTP/1.1\r\nHost: lab\r\nX-Slow: "
	slowEvery  = 200 * time.Millisecond // one more header byte this often
	slowGrace  = time.Second            // the criterion: closed within header timeout + slowGrace
	slowWait   = 2 * time.Second        // the wait: at most header timeout + slowWait after the last first byte
	attackDial = 2 * time.Second        // connect timeout of an attacker
)

// slowlorisTrial runs step tr.step (step.Attackers attackers beside the
// honest load step.Config) of a slowloris scenario against a fresh server
// of its arm.
func slowlorisTrial(tr *trial) error {
	st := tr.step
	ht := tr.sc.HeaderTimeoutDuration()
	fs := &results.FaultStats{HeaderTimeoutNS: int64(ht), Attackers: st.Attackers}
	tr.rec = results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true, Fault: fs}
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}

	// Every attacker connected and parked on its header before the honest
	// load starts, so the load meets the whole attack.
	at := startAttack(tr.ctx, inst.Addr(), st.Attackers)
	at.started.Wait()

	tally := &Tally{}
	lc := st.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "f-"+tr.id+"-"
	tr.rec = tr.attack(lc, tally)
	tr.rec.Fault = fs

	at.finish(tr.ctx, ht+slowWait)
	at.fill(fs, ht+slowGrace)
	return tr.audit(inst, tally.Acked())
}

// attacker is one slowloris connection's record. Its goroutine writes it;
// it is read after attack.wg.Wait.
type attacker struct {
	first  time.Time // just before the first byte was written; zero if it never connected
	closed time.Time // when the server closed it (EOF, reset, or a write failing); zero if not
}

// attack is a running slowloris attack.
type attack struct {
	as      []attacker
	started sync.WaitGroup // each attacker sent its first bytes, or gave up
	wg      sync.WaitGroup // the attackers' goroutines
	cancel  context.CancelFunc
}

// startAttack opens n attacker connections to addr, one goroutine each.
func startAttack(ctx context.Context, addr string, n int) *attack {
	actx, cancel := context.WithCancel(ctx)
	at := &attack{as: make([]attacker, n), cancel: cancel}
	at.started.Add(n)
	at.wg.Add(n)
	for i := range at.as {
		go at.run(actx, addr, &at.as[i])
	}
	return at
}

// run is one attacker: connect, send slowPrefix, then a byte every
// slowEvery until the server closes the connection or ctx ends. A read
// with a deadline doubles as the ticker, so the close is seen at once.
func (at *attack) run(ctx context.Context, addr string, me *attacker) {
	defer at.wg.Done()
	started := sync.OnceFunc(at.started.Done)
	defer started()
	conn, err := (&net.Dialer{Timeout: attackDial}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // the trial is over: unblock the read
	defer stop()
	me.first = time.Now()
	_, err = io.WriteString(conn, slowPrefix)
	started()
	if err != nil {
		if ctx.Err() == nil {
			me.closed = time.Now()
		}
		return
	}
	buf := make([]byte, 512)
	for {
		conn.SetReadDeadline(time.Now().Add(slowEvery))
		_, err := conn.Read(buf)
		switch {
		case ctx.Err() != nil:
			return // closed by us, not by the server
		case err == nil:
			continue // an answer (408, 503, ...): wait for the close itself
		case isTimeout(err):
			if _, err := conn.Write([]byte{'x'}); err != nil {
				if ctx.Err() == nil {
					me.closed = time.Now()
				}
				return
			}
		default: // EOF or reset: the server closed it
			me.closed = time.Now()
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// finish waits until every attacker is closed, or wait has passed since
// the last attacker's first byte, then closes the rest and waits for all
// attacker goroutines.
func (at *attack) finish(ctx context.Context, wait time.Duration) {
	var last time.Time // launch.SafeName to read: at.started.Wait returned before
	for i := range at.as {
		if f := at.as[i].first; f.After(last) {
			last = f
		}
	}
	done := make(chan struct{})
	go func() { at.wg.Wait(); close(done) }()
	timer := time.NewTimer(time.Until(last.Add(wait)))
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-ctx.Done():
	}
	at.cancel()
	<-done
}

// fill records the attack in fs: attackers connected, closed within limit
// of their first byte, and the slowest close.
func (at *attack) fill(fs *results.FaultStats, limit time.Duration) {
	for _, x := range at.as {
		if x.first.IsZero() {
			continue
		}
		fs.Connected++
		if x.closed.IsZero() {
			continue
		}
		took := x.closed.Sub(x.first)
		fs.SlowestCloseNS = max(fs.SlowestCloseNS, int64(took))
		if took <= limit {
			fs.ClosedInTime++
		}
	}
}

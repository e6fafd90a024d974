package load

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"metricstream/internal/clip"
)

// Model is a load model.
type Model string

// Load models.
const (
	Closed Model = "closed" // each client waits for its answer before the next request
	Open   Model = "open"   // requests arrive at a fixed rate whatever the server does
)

// Config describes one load run.
type Config struct {
	Addr string // host:port
	// Addrs, when set, replaces Addr with several targets (server
	// replicas): client c sends its i-th request to Addrs[(c+i)%len(Addrs)],
	// each target over a connection of its own (kept alive when KeepAlive),
	// so every client's requests are spread evenly and every target sees
	// every client. The client's Authorization is the same on all of them.
	Addrs []string
	Model Model
	// Clients is the number of virtual clients: each its own Authorization
	// and its own connection. In the open model it bounds the requests in
	// flight.
	Clients int
	// Requests per client (closed model). 0 with Duration > 0 means "until
	// Duration has passed".
	Requests int
	// Rate is the arrival rate in requests per second (open model).
	Rate float64
	// Duration of an open run, or of a closed run with Requests == 0.
	Duration  time.Duration
	Batch     int  // metrics per request (default 1)
	KeepAlive bool // false: a new connection per request
	Timeout   time.Duration
	// ClientPrefix makes the Authorization values, prefix+index. Give each
	// trial its own prefix so one trial's rate-limit window does not leak
	// into the next.
	ClientPrefix string
	// LateAfter is how far past its intended time a request may be sent
	// before it is counted late (open model; default 1ms).
	LateAfter time.Duration
	// GenLateAfter is how long the generator itself may delay a request
	// (its client free, the request due) before the send counts as the
	// generator's lateness (Result.GenLate; open model; default
	// DefaultGenLateAfter). A run with more than GenLateShare of its sends
	// so delayed is generator-limited (Summary.GeneratorLimited).
	GenLateAfter time.Duration
	// Path is the request target (default /metrics).
	Path string
	// Body, when set, makes every request's body, as vegeta's targeter
	// makes its targets: it appends the body of client's seq-th request
	// (seq from 0, counted per client) to buf and returns it; Result.Seq
	// says which request an answer is for. The durability scenarios give
	// each metric a unique name through it. Nil: every request carries
	// Body(Batch), encoded once. Called from the client's goroutine.
	Body func(buf []byte, client int, seq int64) []byte
	// Backoff, when > 0, is how long a client waits after a connection
	// error before its next request (closed model), so a load against a
	// server that is being stopped does not spin on refused dials.
	Backoff time.Duration
}

func (c *Config) defaults() {
	if c.Batch <= 0 {
		c.Batch = 1
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.LateAfter <= 0 {
		c.LateAfter = time.Millisecond
	}
	if c.GenLateAfter <= 0 {
		c.GenLateAfter = DefaultGenLateAfter
	}
	if c.ClientPrefix == "" {
		c.ClientPrefix = "client"
	}
	if c.Path == "" {
		c.Path = "/metrics"
	}
	if c.Model == "" {
		c.Model = Closed
	}
}

// Validate reports the first impossible setting.
func (c Config) Validate() error {
	for i, a := range c.Addrs {
		if a == "" {
			return fmt.Errorf("load: target address Addrs[%d] is empty", i)
		}
	}
	switch {
	case c.Addr == "" && len(c.Addrs) == 0:
		return fmt.Errorf("load: no target address")
	case c.Clients <= 0:
		return fmt.Errorf("load: clients must be > 0, got %d", c.Clients)
	case c.Batch < 0:
		return fmt.Errorf("load: batch must be >= 1, got %d", c.Batch)
	}
	switch c.Model {
	case Closed, "":
		if c.Requests <= 0 && c.Duration <= 0 {
			return fmt.Errorf("load: closed model needs requests per client or a duration")
		}
	case Open:
		if c.Rate <= 0 || math.IsInf(c.Rate, 0) || math.IsNaN(c.Rate) {
			return fmt.Errorf("load: open model needs a rate > 0, got %v", c.Rate)
		}
		if c.Duration <= 0 {
			return fmt.Errorf("load: open model needs a duration")
		}
	default:
		return fmt.Errorf("load: unknown model %q (closed or open)", clip.Bytes([]byte(c.Model)))
	}
	return nil
}

// Body returns the JSON request body of a batch of n metrics.
func Body(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"metrics":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"lab_load_%d","value":%d.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"h%d"}}`, i%16, i%100, i%8)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// Targets is the addresses the load goes to: Addrs, or else Addr alone.
func (c Config) Targets() []string {
	if len(c.Addrs) > 0 {
		return c.Addrs
	}
	return []string{c.Addr}
}

// inlineBody is the largest body copied into each client's request bytes;
// larger ones are shared and written with writev.
const inlineBody = 8 << 10

func newClients(cfg Config) []*client {
	body := Body(cfg.Batch)
	targets := cfg.Targets()
	cs := make([]*client, cfg.Clients)
	for i := range cs {
		if len(targets) == 1 {
			cs[i] = newClient(cfg, i, targets[0], body)
			continue
		}
		// one sub-client (connection, Host header) per target; the first
		// request goes to target i % n, so client i's request k goes to
		// (i+k) % n
		c := &client{id: i, replicas: make([]*client, len(targets)), next: i % len(targets), bodyFn: cfg.Body}
		for j, addr := range targets {
			c.replicas[j] = newClient(cfg, i, addr, body)
		}
		cs[i] = c
	}
	return cs
}

// newClient is virtual client i's connection to addr, with its request
// bytes pre-encoded.
func newClient(cfg Config, i int, addr string, body []byte) *client {
	var h strings.Builder
	fmt.Fprintf(&h, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s%d\r\nContent-Type: application/json\r\n",
		cfg.Path, addr, cfg.ClientPrefix, i)
	if !cfg.KeepAlive {
		h.WriteString("Connection: close\r\n")
	}
	c := &client{id: i, addr: addr, batch: cfg.Batch, keepAlive: cfg.KeepAlive, timeout: cfg.Timeout}
	if cfg.Body != nil {
		// the body, and so Content-Length, is made per request (send)
		c.bodyFn, c.fixed = cfg.Body, []byte(h.String())
		return c
	}
	fmt.Fprintf(&h, "Content-Length: %d\r\n\r\n", len(body))
	if len(body) <= inlineBody {
		c.head = append([]byte(h.String()), body...)
	} else {
		c.head, c.body = []byte(h.String()), body
	}
	return c
}

// Attack runs cfg against its target and hands every Result to rec (called
// concurrently from the clients). It returns when every request has been
// answered or has failed, or when ctx is done; the returned duration is the
// wall time of the run.
func Attack(ctx context.Context, cfg Config, rec Recorder) (time.Duration, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	clients := newClients(cfg)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	var wg sync.WaitGroup
	start := time.Now()
	switch cfg.Model {
	case Closed:
		var stop time.Time
		if cfg.Requests <= 0 {
			stop = start.Add(cfg.Duration)
		}
		for _, c := range clients {
			wg.Go(func() { closedLoop(ctx, c, cfg.Requests, stop, cfg.Backoff, rec) })
		}
	case Open:
		p := Constant{Rate: cfg.Rate, Duration: cfg.Duration}
		var next atomic.Int64
		end := start.Add(cfg.Duration)
		for _, c := range clients {
			wg.Go(func() { openLoop(ctx, c, start, end, p, &next, cfg.LateAfter, cfg.GenLateAfter, rec) })
		}
	}
	wg.Wait()
	return time.Since(start), ctx.Err()
}

func closedLoop(ctx context.Context, c *client, n int, stop time.Time, backoff time.Duration, rec Recorder) {
	var r Result
	for i := 0; n <= 0 || i < n; i++ {
		if ctx.Err() != nil {
			return
		}
		t0 := time.Now()
		if n <= 0 && !t0.Before(stop) {
			return
		}
		r.Intended, r.Attempt = t0, t0
		c.do(&r)
		r.Latency = time.Since(t0)
		rec.Add(&r)
		if backoff > 0 && r.Class == ClassConnError {
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
		}
	}
}

// openLoop is one client of the open model: it takes the next request of
// the schedule (start + p's offsets), waits until it is due, and sends it
// on its connection. A request is late when it begins more than lateAfter
// after its due time: every client was busy when it was due (the server
// is slow, or the connections too few), or the generator itself was
// behind. The latter is told apart: the client was free before the
// request was due (or the request was due before the client became free)
// and still began it more than genLateAfter after the later of the two.
// A request begun after end (the schedule's end) is AfterWindow.
func openLoop(ctx context.Context, c *client, start, end time.Time, p Pacer, next *atomic.Int64, lateAfter, genLateAfter time.Duration, rec Recorder) {
	var r Result
	free := start // when this client finished its previous request
	for ctx.Err() == nil {
		off, ok := p.Offset(next.Add(1) - 1)
		if !ok {
			return
		}
		intended := start.Add(off)
		if d := time.Until(intended); d > 0 {
			time.Sleep(d)
		}
		now := time.Now()
		ready := intended // when it could have begun: due, and this client free
		if free.After(ready) {
			ready = free
		}
		r.Late = now.Sub(intended) > lateAfter
		r.GenDelay = max(0, now.Sub(ready))
		r.GenLate = r.GenDelay > genLateAfter
		r.AfterWindow = now.After(end)
		r.Intended, r.Attempt = intended, now
		c.do(&r)
		r.Latency = time.Since(intended)
		free = time.Now() // the recording below is the generator's own work
		rec.Add(&r)
	}
}

// Pacer schedules the open model: Offset(i) is when request i (from 0) is due,
// relative to the start; ok is false once the schedule is over.
type Pacer interface {
	Offset(i int64) (d time.Duration, ok bool)
}

// Constant is a constant arrival rate for a duration.
type Constant struct {
	Rate     float64 // requests per second
	Duration time.Duration
}

// Offset implements Pacer.
func (p Constant) Offset(i int64) (time.Duration, bool) {
	d := time.Duration(float64(i) * float64(time.Second) / p.Rate)
	return d, d < p.Duration
}

// Requests is the number of requests the schedule holds.
func (p Constant) Requests() int64 {
	return int64(math.Ceil(p.Rate * p.Duration.Seconds()))
}

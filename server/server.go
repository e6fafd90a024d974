// Package server is the MetricsStream server: its own accept loop, HTTP/1.1
// framing (internal/http1), routing, validation, the rate-limit algorithm
// and graceful shutdown. It takes one variant of each component as a plain
// dependency (Components), so tests build any combination without tags.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"metricstream/internal/http1"
	"metricstream/internal/stages"
	"metricstream/variants/executor"
	"metricstream/variants/limiter"
	"metricstream/variants/lock"
	"metricstream/variants/metrics"
	"metricstream/variants/writer"
)

// Config configures a Server. Zero durations and sizes take the defaults.
type Config struct {
	Components Components
	Sink       writer.Sink // the opened data file (writer.Open)
	Fsync      writer.FsyncPolicy
	FsyncEvery time.Duration

	RateLimit  int // requests per client per second; 0 disables
	Burst      int // limiter=bucket: bucket capacity (0: RateLimit); the window variants ignore it
	MaxClients int // clients the local limiters track at most (lock.Config)
	// MaxIDsPerAddr: distinct Authorization values one remote address may
	// use as separate rate-limit clients (default DefaultMaxIDsPerAddr);
	// its further new values share one quota keyed by the address.
	MaxIDsPerAddr int
	Redis         limiter.RedisConfig // limiter=redis: address, fail-open policy, clock
	Workers       int                 // executor pool workers
	Queue         int                 // executor pool queue
	WriterQueue   int                 // async writer queue, in batches
	MaxThreads    int                 // executor=thread: OS threads (connections) at most; 0: executor.ThreadCeiling()

	Limits http1.Limits
	// BodyBuffer bounds the request-body bytes buffered at once across all
	// connections, beyond each connection's first 4 KiB (default
	// DefaultBodyBuffer): past it a body is answered 503 and its connection
	// closed, so 4,096 connections each sending 2 MiB slowly cost at most
	// this much, not 8 GiB.
	BodyBuffer    int64
	HeaderTimeout time.Duration // from a request's first byte to the end of its header (default 5s)
	BodyTimeout   time.Duration // to read the body, from the end of its header (default 10s)
	IdleTimeout   time.Duration // keep-alive connection without a request (default 30s)
	WriteTimeout  time.Duration // to write a response (default 10s)
	MaxConns      int           // open connections at most (default 4096); more get 503 and are closed

	// Stages times a sample of requests stage by stage (stages.New(1/N),
	// the -stages flag); nil or stages.New(0): off, at the cost of a nil
	// check per hook. /health reports it under "stages".
	Stages *stages.Timer

	Logger *slog.Logger
	Now    func() time.Time // for tests; default time.Now

	// exactDeadlines sets every read and write deadline afresh for each
	// request, as the server did before coarse deadlines (conn.wait); the
	// benchmarks set it to compare.
	exactDeadlines bool
	// writeEach writes every answer at once, as the server did before it
	// held back the answers of pipelined requests (conn.holdBack); the
	// benchmarks set it to compare.
	writeEach bool
	// writerEager makes the async writer write each group as soon as its
	// first batch arrives (writer.Config.Eager), as it did before it
	// yielded first; the benchmarks set it to compare.
	writerEager bool
	// freshBufs gives every connection new buffers, as the server did
	// before closed connections handed theirs on (connBufs); the
	// benchmarks set it to compare.
	freshBufs bool
}

func (c *Config) defaults() {
	if c.HeaderTimeout <= 0 {
		c.HeaderTimeout = 5 * time.Second
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = 10 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 4096
	}
	if c.MaxIDsPerAddr <= 0 {
		c.MaxIDsPerAddr = DefaultMaxIDsPerAddr
	}
	if c.MaxClients <= 0 {
		c.MaxClients = lock.DefaultMaxClients
	}
	if c.BodyBuffer <= 0 {
		c.BodyBuffer = DefaultBodyBuffer
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// DefaultBodyBuffer is Config.BodyBuffer's default: 128 full-size (2 MiB)
// bodies at once.
const DefaultBodyBuffer = 256 << 20

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Server serves the MetricsStream HTTP API. Create it with New.
type Server struct {
	cfg      Config
	comp     Components
	writer   writer.Writer
	limiter  limiter.Limiter
	recorder metrics.Recorder
	exec     executor.Executor
	log      *slog.Logger
	started  time.Time
	ids      *identities       // rate-limit keys: at most MaxIDsPerAddr ids per address
	budget   *http1.BodyBudget // BodyBuffer, shared by every connection's Reader
	dates    http1.DateCache   // the Date header, formatted once a second
	bufs     sync.Pool         // of *connBufs: closed connections' buffers for new ones

	shutting    atomic.Bool
	storageDown atomic.Bool // a write failed and none has succeeded since (logged once per outage)

	mu    sync.Mutex
	ln    net.Listener       // guarded by mu
	conns map[*conn]struct{} // guarded by mu
	done  chan struct{}      // closed when Shutdown starts

	rejecting chan struct{} // semaphore of rejectConn goroutines, maxRejecting slots

	stats stats
}

// stats are the request counters of GET /metrics.
type stats struct {
	byStatus      [600]atomic.Uint64
	accepted      atomic.Uint64 // metrics acknowledged
	connsAccepted atomic.Uint64
	connsRejected atomic.Uint64 // over MaxConns
	evicted       atomic.Uint64 // limiter clients evicted as idle
	limiterDown   atomic.Uint64 // decisions the limiter made without its store (Redis unreachable)
}

// New builds a Server from cfg, constructing one of each component.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	c := cfg.Components
	if c.NewParser == nil || c.NewWriter == nil || c.NewTable == nil || c.NewRecorder == nil || c.NewExecutor == nil || c.NewLimiter == nil {
		return nil, fmt.Errorf("server: incomplete components for %v", c.Set)
	}
	if cfg.Sink == nil {
		return nil, fmt.Errorf("server: no data sink")
	}
	lim, err := c.NewLimiter(limiter.Config{Limit: cfg.RateLimit, Burst: cfg.Burst,
		NewTable: c.NewTable, MaxClients: cfg.MaxClients, Redis: cfg.Redis})
	if err != nil {
		return nil, err
	}
	w, err := c.NewWriter(writer.Config{Sink: cfg.Sink, Fsync: cfg.Fsync, FsyncInterval: cfg.FsyncEvery, QueueLen: cfg.WriterQueue, Eager: cfg.writerEager})
	if err != nil {
		lim.Close()
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		comp:     c,
		writer:   w,
		limiter:  lim,
		recorder: c.NewRecorder(metrics.Config{}),
		exec:     c.NewExecutor(executor.Config{Workers: cfg.Workers, QueueLen: cfg.Queue, MaxThreads: cfg.MaxThreads}),
		log:      cfg.Logger,
		started:  cfg.Now(),
		ids:      newIdentities(cfg.MaxIDsPerAddr, cfg.MaxClients),
		budget:   http1.NewBodyBudget(cfg.BodyBuffer),
		conns:    map[*conn]struct{}{},
		done:     make(chan struct{}),

		rejecting: make(chan struct{}, maxRejecting),
	}
	go s.janitor()
	return s, nil
}

// flushEvery is how often the metrics recorder is flushed. The lock-free
// recorder's rings hold 256 events per client, so a client may send up to
// 256/flushEvery = 5120 requests per second before events are dropped
// (counted as dropped, never lost silently).
const flushEvery = 50 * time.Millisecond

// janitor flushes the metrics recorder every flushEvery and evicts limiter
// clients idle for 10s once a second, until Shutdown.
func (s *Server) janitor() {
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	evict := time.NewTicker(time.Second)
	defer evict.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-flush.C:
			s.recorder.Flush()
		case <-evict.C:
			now := s.cfg.Now()
			if n := s.limiter.EvictIdle(now, s.evictIdle()); n > 0 {
				s.stats.evicted.Add(uint64(n))
			}
			s.ids.evictIdle(now, s.evictIdle())
		}
	}
}

// evictIdle is how long a limiter client must be idle to be forgotten: 10s,
// or longer when a token bucket takes longer to refill (Burst/RateLimit
// seconds), so that an evicted client is in the state a new one starts in.
func (s *Server) evictIdle() time.Duration {
	idle := 10 * time.Second
	if s.cfg.RateLimit > 0 && s.cfg.Burst > 10*s.cfg.RateLimit {
		idle = time.Duration(s.cfg.Burst/s.cfg.RateLimit+1) * time.Second
	}
	return idle
}

// Listen is the listener cmd/metricstream serves on: TCP on addr, with
// TCP keep-alive probes off on accepted connections. Go's net.Listen turns
// them on (15 s), which costs four setsockopt(2) calls per accepted
// connection (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) on
// the path of every connection-per-request client, to detect dead peers
// the server already drops: an idle connection is closed at IdleTimeout
// and every read and write has a deadline.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	return lc.Listen(ctx, "tcp", addr)
}

// Serve accepts connections on ln and hands them to the executor until
// Shutdown; it then returns ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutting.Load() || errors.Is(err, net.ErrClosed) {
				return ErrServerClosed
			}
			// EMFILE and friends: back off like net/http instead of spinning
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.stats.connsAccepted.Add(1)
		c := s.newConn(nc)
		if !s.track(c) {
			s.stats.connsRejected.Add(1)
			s.rejectConn(c)
			continue
		}
		s.exec.Execute(c)
	}
}

// rejectConn answers a connection over MaxConns with 503 and closes it, on
// a goroutine of its own: the answer's write and Close's linger must not
// stall the accept loop. At most maxRejecting such goroutines run; beyond
// that the connection is closed unanswered (a flood of connections over
// the cap must not become a flood of goroutines).
func (s *Server) rejectConn(c *conn) {
	select {
	case s.rejecting <- struct{}{}:
		go func() {
			defer func() { <-s.rejecting }()
			c.rejectWith(503, "too many open connections (the limit is "+strconv.Itoa(s.cfg.MaxConns)+")", 1)
			c.Close()
		}()
	default:
		c.Close()
	}
}

// maxRejecting bounds the goroutines answering connections over MaxConns.
const maxRejecting = 64

// track registers c unless the server is at MaxConns or shutting down.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting.Load() || len(s.conns) >= s.cfg.MaxConns {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops accepting, wakes idle connections so they close, waits for
// requests in flight, then drains and closes the writer: nothing
// acknowledged is lost. Acknowledged batches the disk still refuses are
// retried until ctx ends (writer.CloseBy); what is left then is lost, and
// said so. It returns the first error, or ctx.Err() when ctx ends before
// requests in flight finish (the writer is closed anyway, so whatever was
// acknowledged still reaches the file).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.shutting.Swap(true) {
		s.mu.Unlock()
		return errors.New("server: Shutdown called twice")
	}
	close(s.done)
	var lnErr error
	if s.ln != nil {
		lnErr = s.ln.Close()
	}
	for c := range s.conns {
		c.wakeIfWaiting()
	}
	s.mu.Unlock()

	execErr := s.exec.Shutdown(ctx)
	if execErr != nil {
		s.log.Error("shutdown timed out with requests in flight; closing the writer anyway", "err", execErr)
	}
	werr := writer.CloseBy(ctx, s.writer)
	if werr != nil {
		st := s.writer.Stats()
		s.log.Error("writer close failed", "err", werr, "lost_batches", st.Lost, "not_durable_batches", st.NotDurable)
	}
	s.recorder.Flush()
	if err := s.limiter.Close(); err != nil {
		s.log.Warn("limiter close failed", "err", err)
	}
	s.log.Info("stopped", "acknowledged_metrics", s.stats.accepted.Load())
	switch {
	case execErr != nil:
		return fmt.Errorf("server: shutdown: %w", execErr)
	case werr != nil:
		return fmt.Errorf("server: shutdown: %w", werr)
	case lnErr != nil && !errors.Is(lnErr, net.ErrClosed):
		return fmt.Errorf("server: shutdown: %w", lnErr)
	}
	return nil
}

// Accepted returns the number of metrics acknowledged so far.
func (s *Server) Accepted() uint64 { return s.stats.accepted.Load() }

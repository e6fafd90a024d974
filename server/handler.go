package server

import (
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"time"

	"metricstream/internal/http1"
	"metricstream/internal/metric"
	"metricstream/internal/stages"
	"metricstream/variants/executor"
	"metricstream/variants/metrics"
	"metricstream/variants/writer"
)

// admit routes the request whose head was just read (seed chapter 2:
// unknown paths get 404, known paths with the wrong method 405 with Allow;
// HEAD is allowed wherever GET is) and, for POST /metrics, decides its rate
// limit (chapter 4). It runs before the body is read, so that a refused
// request with "Expect: 100-continue" never uploads its body. A refusal is
// left in c.refusal for ServeRequest (or WaitRequest) to send.
func (c *conn) admit() {
	m := c.req.Method
	switch c.req.Path {
	case "/metrics":
		switch m {
		case "POST":
			c.handler = hIngest
			c.limit()
			return
		case "GET", "HEAD":
			c.handler = hStats
			return
		}
		c.refuse(c.errorResponse(405, "method "+metric.Quote(m)+" not allowed on /metrics; use GET, HEAD or POST"))
		c.refusal.Allow = "GET, HEAD, POST"
		return
	case "/health":
		if m == "GET" || m == "HEAD" {
			c.handler = hHealth
			return
		}
		c.refuse(c.errorResponse(405, "method "+metric.Quote(m)+" not allowed on /health; use GET or HEAD"))
		c.refusal.Allow = "GET, HEAD"
		return
	}
	c.refuse(c.errorResponse(404, "no such path "+metric.Quote(c.req.Path)+"; the API is GET /health, POST /metrics, GET /metrics"))
}

func (c *conn) refuse(r http1.Response) { c.handler, c.refusal = hRefuse, r }

// limit decides the rate limit of a POST /metrics: per client, the
// Authorization value (at most MaxIDsPerAddr of them per remote address)
// or else the remote address.
func (c *conn) limit() {
	s := c.s
	client := c.clientKey()
	d := s.limiter.Allow(client, c.now)
	c.sample.Mark(stages.RateLimit)
	if d.TableFull {
		c.refuse(c.errorResponse(503, "too many distinct clients tracked by the rate limiter; retry later"))
		c.refusal.RetryAfter = 1
		return
	}
	if d.Unavailable {
		s.stats.limiterDown.Add(1)
		if !d.Allowed { // fail closed: the shared limit cannot be checked
			c.refuse(c.errorResponse(503, "rate limiter unavailable; retry later"))
			c.refusal.RetryAfter = retrySeconds(d.RetryAfter)
			return
		}
	}
	s.recorder.Record(client, d.Allowed)
	c.sample.Mark(stages.Record)
	if !d.Allowed {
		c.refuse(c.errorResponse(429, "rate limit exceeded: at most "+strconv.Itoa(s.cfg.RateLimit)+" requests per second per client"))
		c.refusal.RetryAfter = retrySeconds(d.RetryAfter)
	}
}

// clientKey is the request's rate-limit key (identities.key), asking the
// shared table at most once a second for a connection that repeats its
// Authorization value (promise 8 of docs/faults.md: none means the address).
func (c *conn) clientKey() string {
	auth := c.req.Authorization
	if auth == "" {
		return c.remote
	}
	if sec := c.now.Unix(); auth != c.idAuth || sec != c.idSec {
		c.idAuth, c.idKey, c.idSec = auth, c.s.ids.key(c.remote, auth, c.now), sec
	}
	return c.idKey
}

// route runs what admit decided.
func (c *conn) route() http1.Response {
	switch c.handler {
	case hIngest:
		return c.ingest()
	case hStats:
		return c.statsResponse()
	case hHealth:
		return c.health()
	}
	return c.refusal
}

// ingest is POST /metrics once admit has let it through: parse (5/6),
// validate (3), encode and write (7/8). The batch is acknowledged only once
// the writer has accepted all of it.
func (c *conn) ingest() http1.Response {
	s := c.s
	if c.parser == nil {
		c.parser = s.comp.NewParser()
	}
	ms, err := c.parser.Parse(c.req.Body)
	c.sample.Mark(stages.Parse)
	if err == nil {
		err = metric.ValidateBatchAt(ms, c.now)
		c.sample.Mark(stages.Validate)
	}
	if err != nil {
		return c.errorResponse(400, err.Error())
	}
	now := c.now
	c.lines = metric.AppendBatch(c.lines[:0], ms, now.UnixMilli())
	c.sample.Mark(stages.Encode)
	err = s.writer.Append(c.lines)
	c.sample.Mark(stages.Write)
	if err != nil {
		var r http1.Response
		switch {
		case errors.Is(err, writer.ErrQueueFull):
			r = c.errorResponse(503, "server overloaded: writer queue full")
		case errors.Is(err, writer.ErrClosed):
			r = c.errorResponse(503, "server shutting down")
			r.Close = true
		default:
			s.storageFailed(err)
			r = c.errorResponse(503, "storage unavailable, batch not written: "+err.Error())
		}
		r.RetryAfter = 1
		return r
	}
	if s.storageDown.Load() {
		s.storageRecovered()
	}
	s.stats.accepted.Add(uint64(len(ms)))
	c.body = append(c.body[:0], `{"accepted":`...)
	c.body = strconv.AppendInt(c.body, int64(len(ms)), 10)
	c.body = append(c.body, '}', '\n')
	return http1.Response{Status: 200, Body: c.body}
}

// storageFailed logs a write error once per outage, not once per request:
// a full disk under load would otherwise log thousands of lines a second.
func (s *Server) storageFailed(err error) {
	if s.storageDown.CompareAndSwap(false, true) {
		s.log.Error("storage failing; answering 503 until writes succeed", "err", err)
	}
}

// storageRecovered logs the end of an outage storageFailed logged.
func (s *Server) storageRecovered() {
	if s.storageDown.CompareAndSwap(true, false) {
		s.log.Info("storage recovered; accepting writes again")
	}
}

// retrySeconds rounds up to whole seconds, at least 1 (Retry-After's unit).
func retrySeconds(d time.Duration) int {
	n := int((d + time.Second - 1) / time.Second)
	if n < 1 {
		n = 1
	}
	return n
}

// Health is the body of GET /health.
type Health struct {
	Status   string          `json:"status"` // "ok", or "degraded" while the writer reports an error or holds acknowledged batches the disk refused (writer.held, writer.held_bytes)
	Variant  json.RawMessage `json:"variant"`
	Preset   string          `json:"preset,omitempty"`
	Error    string          `json:"error,omitempty"`
	Writer   writer.Stats    `json:"writer"`
	UptimeS  float64         `json:"uptime_s"`
	Shutting bool            `json:"shutting_down,omitempty"`

	SeedDesign bool              `json:"seed_design"` // a seed design runs in some dimension
	Process    executor.Process  `json:"process"`     // OS threads and RSS from /proc/self/status
	Seed       *SeedDesignHealth `json:"seed,omitempty"`

	// Stages is the stage timer's cumulative counters (Config.Stages,
	// -stages 1/N); absent when timing is off. Read it before and after a
	// trial and Sub the two.
	Stages *stages.Snapshot `json:"stages,omitempty"`

	// Goroutines is runtime.NumGoroutine() when /health was answered: the
	// harness's redis-outage scenario compares it before and after an
	// outage to find goroutines left stuck.
	Goroutines int `json:"goroutines"`
}

func (c *conn) health() http1.Response {
	s := c.s
	h := Health{
		Status:   "ok",
		Variant:  VariantJSON(s.comp.Set),
		Preset:   s.comp.Set.Preset(),
		Writer:   s.writer.Stats(),
		UptimeS:  s.cfg.Now().Sub(s.started).Seconds(),
		Shutting: s.shutting.Load(),

		SeedDesign: s.comp.Set.SeedDesign(),
		Process:    executor.ReadProcess(),
		Goroutines: runtime.NumGoroutine(),
		Seed:       s.seedHealth(),
	}
	if s.cfg.Stages.Every() != 0 {
		snap := s.cfg.Stages.Snapshot()
		snap.CPUNS = stages.ProcessCPU()
		h.Stages = &snap
	}
	if h.Writer.LastError != "" {
		h.Status, h.Error = "degraded", "storage: "+h.Writer.LastError
	}
	if h.Writer.Held > 0 {
		h.Status = "degraded"
		h.Error = strings.TrimPrefix(h.Error+"; holding "+strconv.Itoa(h.Writer.Held)+" acknowledged batches ("+
			strconv.FormatInt(h.Writer.HeldBytes, 10)+" bytes) until the disk takes them", "; ")
	}
	return c.jsonResponse(200, h)
}

// Stats is the body of GET /metrics.
type Stats struct {
	Requests struct {
		Total    uint64            `json:"total"`
		ByClass  map[string]uint64 `json:"by_class"`
		ByStatus map[string]uint64 `json:"by_status"`
	} `json:"requests"`
	MetricsAccepted uint64           `json:"metrics_accepted"`
	Clients         metrics.Snapshot `json:"clients"`
	Limiter         struct {
		Limit       int    `json:"limit_per_second"`
		Burst       int    `json:"burst,omitempty"` // limiter=bucket
		Clients     int    `json:"clients"`         // held locally (limiter=redis: 0, the state is in Redis)
		Evicted     uint64 `json:"evicted"`
		Unavailable uint64 `json:"unavailable"` // limiter=redis: decisions made by the fail-open/closed policy
		// IDs is the Authorization values held as clients of their own (at
		// most max_ids_per_addr per remote address); SharedByAddr counts
		// requests keyed by their address because it had used as many.
		IDs           int    `json:"ids"`
		MaxIDsPerAddr int    `json:"max_ids_per_addr"`
		SharedByAddr  uint64 `json:"shared_by_addr"`
	} `json:"limiter"`
	BodyBuffer struct {
		Used int64 `json:"used"` // request-body bytes buffered now, beyond each connection's first 4 KiB
		Max  int64 `json:"max"`
	} `json:"body_buffer"`
	Writer      writer.Stats   `json:"writer"`
	Executor    executor.Stats `json:"executor"`
	Connections struct {
		Open     int    `json:"open"`
		Accepted uint64 `json:"accepted"`
		Rejected uint64 `json:"rejected"`
	} `json:"connections"`
}

// Snapshot returns the server's statistics (GET /metrics).
func (s *Server) Snapshot() Stats {
	var st Stats
	st.Requests.ByClass = map[string]uint64{}
	st.Requests.ByStatus = map[string]uint64{}
	for code := range s.stats.byStatus {
		n := s.stats.byStatus[code].Load()
		if n == 0 {
			continue
		}
		st.Requests.Total += n
		st.Requests.ByStatus[strconv.Itoa(code)] = n
		st.Requests.ByClass[strconv.Itoa(code/100)+"xx"] += n
	}
	st.MetricsAccepted = s.stats.accepted.Load()
	st.Clients = s.recorder.Flush()
	st.Limiter.Limit = s.cfg.RateLimit
	st.Limiter.Clients = s.limiter.Clients()
	st.Limiter.Evicted = s.stats.evicted.Load()
	st.Limiter.Burst = s.cfg.Burst
	st.Limiter.Unavailable = s.stats.limiterDown.Load()
	st.Limiter.IDs = s.ids.len()
	st.Limiter.MaxIDsPerAddr = s.cfg.MaxIDsPerAddr
	st.Limiter.SharedByAddr = s.ids.shared.Load()
	st.BodyBuffer.Used, st.BodyBuffer.Max = s.budget.Used(), s.budget.Max()
	st.Writer = s.writer.Stats()
	st.Executor = s.exec.Stats()
	s.mu.Lock()
	st.Connections.Open = len(s.conns)
	s.mu.Unlock()
	st.Connections.Accepted = s.stats.connsAccepted.Load()
	st.Connections.Rejected = s.stats.connsRejected.Load()
	return st
}

func (c *conn) statsResponse() http1.Response {
	return c.jsonResponse(200, c.s.Snapshot())
}

func (c *conn) jsonResponse(status int, v any) http1.Response {
	b, err := json.Marshal(v)
	if err != nil {
		return c.errorResponse(500, "encoding response: "+err.Error())
	}
	c.body = append(append(c.body[:0], b...), '\n')
	return http1.Response{Status: status, Body: c.body}
}

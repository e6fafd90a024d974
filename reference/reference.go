package reference

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"metricstream/internal/metric"
)

// Name is the reference server's label in experiments: its /health variant
// is {"server":"reference"} and its preset "reference".
const Name = "reference"

// VariantJSON is what /health reports as the variant and what
// `reference -variant` prints.
const VariantJSON = `{"server":"reference"}`

// DefaultMaxBodyBytes bounds a request body (413 beyond), as the lab's
// server does by default.
const DefaultMaxBodyBytes = 2 << 20

// Config configures a Server.
type Config struct {
	// Out is the data file: each accepted batch is written through a
	// bufio.Writer and flushed before the answer.
	Out io.Writer
	// FsyncAlways calls Out.Sync() after each flush; Out must then have a
	// Sync() error method (an *os.File does).
	FsyncAlways bool
	// RateLimit is requests per second per client; 0 or less disables it.
	RateLimit int
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Server is the reference MetricsStream server's HTTP handler.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	limiter *limiter
	out     *fileWriter
	stats   stats
}

// Handler returns the reference server's handler for cfg; see New.
func Handler(cfg Config) (http.Handler, error) { return New(cfg) }

// New builds a Server writing to cfg.Out.
func New(cfg Config) (*Server, error) {
	if cfg.Out == nil {
		return nil, errors.New("reference: no data file")
	}
	var sync func() error
	if cfg.FsyncAlways {
		s, ok := cfg.Out.(interface{ Sync() error })
		if !ok {
			return nil, fmt.Errorf("reference: fsync always needs a file with Sync, got %T", cfg.Out)
		}
		sync = s.Sync
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:     cfg,
		mux:     http.NewServeMux(),
		limiter: newLimiter(cfg.RateLimit, time.Second),
		out:     &fileWriter{bw: bufio.NewWriterSize(cfg.Out, 64<<10), sync: sync},
		stats:   stats{byStatus: map[int]uint64{}},
	}
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.HandleFunc("POST /metrics", s.ingest)
	s.mux.HandleFunc("GET /metrics", s.statsHandler)
	return s, nil
}

// ServeHTTP routes the request and counts its status for GET /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(sw, r)
	s.stats.count(sw.status)
}

// Accepted is the number of metrics acknowledged so far.
func (s *Server) Accepted() uint64 {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return s.stats.accepted
}

// Flush writes out anything buffered (nothing, between requests: each
// request flushes its own batch); cmd/reference calls it after Shutdown.
func (s *Server) Flush() error { return s.out.flush() }

// wireBatch is the body as encoding/json decodes it. Pointers tell a
// missing required field from a zero value.
type wireBatch struct {
	Metrics *[]wireMetric `json:"metrics"`
}

type wireMetric struct {
	Name      *string           `json:"name"`
	Value     *float64          `json:"value"`
	Type      string            `json:"type"`
	Timestamp *int64            `json:"timestamp"`
	Tags      map[string]string `json:"tags"`
}

func (s *Server) ingest(w http.ResponseWriter, r *http.Request) {
	client := r.Header.Get("Authorization")
	if client == "" {
		client = r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			client = host
		}
	}
	now := s.cfg.Now()
	if ok, retry := s.limiter.allow(client, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(retry)))
		writeError(w, http.StatusTooManyRequests, "rate limit exceeded: at most "+strconv.Itoa(s.cfg.RateLimit)+" requests per second per client")
		return
	}

	ms, status, err := decode(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err == nil {
		status, err = http.StatusBadRequest, metric.ValidateBatchAt(ms, now)
	}
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	var lines []byte
	for i := range ms {
		lines = metric.AppendLine(lines, &ms[i], now.UnixMilli())
	}
	if err := s.out.write(lines); err != nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "storage unavailable: "+err.Error())
		return
	}
	s.stats.mu.Lock()
	s.stats.accepted += uint64(len(ms))
	s.stats.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"accepted": len(ms)})
}

// decode reads one JSON object, strictly (unknown fields, trailing data),
// into metrics; the status is 413 for an oversized body, else 400.
func decode(body io.Reader) ([]metric.Metric, int, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var b wireBatch
	if err := dec.Decode(&b); err != nil {
		return nil, decodeStatus(err), fmt.Errorf("invalid JSON: %w", err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		if err == nil {
			return nil, http.StatusBadRequest, errors.New("invalid JSON: trailing data after the object")
		}
		return nil, decodeStatus(err), fmt.Errorf("invalid JSON: trailing data: %w", err)
	}
	if b.Metrics == nil {
		return nil, http.StatusBadRequest, errors.New(`missing key "metrics"`)
	}
	ms := make([]metric.Metric, len(*b.Metrics))
	for i, wm := range *b.Metrics {
		if wm.Name == nil {
			return nil, http.StatusBadRequest, metric.Errorf(i, `missing "name"`)
		}
		if wm.Value == nil {
			return nil, http.StatusBadRequest, metric.Errorf(i, `missing "value"`)
		}
		m := metric.Metric{Name: *wm.Name, Value: *wm.Value, Type: wm.Type}
		if wm.Timestamp != nil {
			m.Timestamp, m.HasTimestamp = *wm.Timestamp, true
		}
		keys := make([]string, 0, len(wm.Tags))
		for k := range wm.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m.Tags = append(m.Tags, metric.Tag{Key: k, Value: wm.Tags[k]})
		}
		ms[i] = m
	}
	return ms, http.StatusOK, nil
}

func decodeStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// Health is the body of GET /health.
type Health struct {
	Status  string          `json:"status"`
	Variant json.RawMessage `json:"variant"`
	Preset  string          `json:"preset"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Health{Status: "ok", Variant: json.RawMessage(VariantJSON), Preset: Name})
}

// Stats is the body of GET /metrics.
type Stats struct {
	Requests struct {
		Total    uint64            `json:"total"`
		ByClass  map[string]uint64 `json:"by_class"`
		ByStatus map[string]uint64 `json:"by_status"`
	} `json:"requests"`
	MetricsAccepted uint64 `json:"metrics_accepted"`
	Limiter         struct {
		Limit   int `json:"limit_per_second"`
		Clients int `json:"clients"`
	} `json:"limiter"`
}

// Snapshot returns the counters of GET /metrics.
func (s *Server) Snapshot() Stats {
	var st Stats
	st.Requests.ByClass = map[string]uint64{}
	st.Requests.ByStatus = map[string]uint64{}
	s.stats.mu.Lock()
	for code, n := range s.stats.byStatus {
		st.Requests.Total += n
		st.Requests.ByStatus[strconv.Itoa(code)] = n
		st.Requests.ByClass[strconv.Itoa(code/100)+"xx"] += n
	}
	st.MetricsAccepted = s.stats.accepted
	s.stats.mu.Unlock()
	st.Limiter.Limit = s.cfg.RateLimit
	st.Limiter.Clients = s.limiter.clients()
	return st
}

func (s *Server) statsHandler(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Snapshot())
}

// stats are the counters of GET /metrics, under one mutex.
type stats struct {
	mu       sync.Mutex
	byStatus map[int]uint64 // guarded by mu
	accepted uint64         // guarded by mu
}

func (st *stats) count(status int) {
	st.mu.Lock()
	st.byStatus[status]++
	st.mu.Unlock()
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// retrySeconds rounds up to whole seconds, at least 1 (Retry-After's unit).
func retrySeconds(d time.Duration) int {
	n := int((d + time.Second - 1) / time.Second)
	return max(n, 1)
}

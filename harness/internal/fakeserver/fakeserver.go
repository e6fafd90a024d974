// Package fakeserver is an in-process stand-in for the MetricsStream server,
// for the harness's tests: the same HTTP contract (/health, POST /metrics
// with 400/429, one JSON line per accepted metric) with faults to inject.
package fakeserver

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"metricstream/internal/stages"
)

// Options configure a fake server and its faults.
type Options struct {
	Variant   map[string]string // reported by /health
	RateLimit int               // requests per client per second; 0 = off
	LoseLine  bool              // acknowledge the first valid metric but never write it
	StallOnce time.Duration     // the Nth POST (StallAt, default 1st) answers after this long
	StallAt   int64
	DataFile  string // where lines go; required for POST /metrics
	// Stages times every POST like the server's -stages 1/1 (read_body,
	// parse, write, respond) and serves the counters as /health "stages".
	Stages bool
}

// Server is a running fake.
type Server struct {
	opt  Options
	ln   net.Listener
	srv  *http.Server
	mu   sync.Mutex // guards f, lost, seen
	f    *os.File
	lost bool
	seen map[string][]time.Time
	n    atomic.Int64
	st   *stages.Timer // nil unless Options.Stages
}

// Start serves on a free 127.0.0.1 port.
func Start(opt Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, ln: ln, seen: map[string][]time.Time{}}
	if opt.Stages {
		s.st = stages.New(1)
	}
	if opt.DataFile != "" {
		if s.f, err = os.OpenFile(opt.DataFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			ln.Close()
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		h := map[string]any{"status": "ok", "variant": opt.Variant}
		if s.st != nil {
			h["stages"] = s.st.Snapshot()
		}
		_ = json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("POST /metrics", s.metrics)
	s.srv = &http.Server{Handler: mux}
	go s.srv.Serve(ln)
	return s, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close shuts down gracefully and closes the data file.
func (s *Server) Close() error {
	err := s.srv.Shutdown(context.Background())
	if s.f != nil {
		s.f.Close()
	}
	return err
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	var smp stages.Sample
	s.st.Begin(&smp)
	defer func() { smp.Mark(stages.Respond); smp.End() }()
	n := s.n.Add(1)
	at := s.opt.StallAt
	if at == 0 {
		at = 1
	}
	if s.opt.StallOnce > 0 && n == at {
		time.Sleep(s.opt.StallOnce) // the injected fault, not synchronisation
	}
	var body struct {
		Metrics []struct {
			Name  string            `json:"name"`
			Value *float64          `json:"value"`
			Type  string            `json:"type"`
			TS    int64             `json:"timestamp"`
			Tags  map[string]string `json:"tags"`
		} `json:"metrics"`
	}
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(&body)
	smp.Mark(stages.Parse)
	if err != nil || len(body.Metrics) == 0 {
		http.Error(w, `{"error":"invalid batch"}`, http.StatusBadRequest)
		return
	}
	for _, m := range body.Metrics {
		if m.Name == "" || m.Value == nil {
			http.Error(w, `{"error":"invalid metric"}`, http.StatusBadRequest)
			return
		}
	}
	client := r.Header.Get("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opt.RateLimit > 0 {
		now := time.Now()
		win := s.seen[client][:0]
		for _, t := range s.seen[client] {
			if now.Sub(t) < time.Second {
				win = append(win, t)
			}
		}
		if len(win) >= s.opt.RateLimit {
			s.seen[client] = win
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"rate limit"}`, http.StatusTooManyRequests)
			return
		}
		s.seen[client] = append(win, now)
	}
	for _, m := range body.Metrics {
		if s.opt.LoseLine && !s.lost {
			s.lost = true
			continue
		}
		line, _ := json.Marshal(map[string]any{"name": m.Name, "value": *m.Value, "client": client})
		if s.f != nil {
			_, _ = s.f.Write(append(line, '\n'))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"accepted":` + strconv.Itoa(len(body.Metrics)) + `}`))
}

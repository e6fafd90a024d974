package server

import (
	"net"
	"time"

	"metricstream/variants/executor"
	"metricstream/variants/metrics"
	"metricstream/variants/writer"
)

// The seed designs expose their own counters; /health reports
// them under "seed" so the harness can read where each one breaks.

// SeedDesignHealth holds the counters of whichever seed designs run.
type SeedDesignHealth struct {
	Thread    *executor.ThreadStats  `json:"thread,omitempty"`    // executor=thread
	SPSC      *metrics.SPSCStats     `json:"spsc,omitempty"`      // metrics=spsc
	Unbounded *writer.UnboundedStats `json:"unbounded,omitempty"` // writer=unbounded
}

func (s *Server) seedHealth() *SeedDesignHealth {
	var h SeedDesignHealth
	found := false
	if t, ok := s.exec.(interface{ ThreadStats() executor.ThreadStats }); ok {
		st := t.ThreadStats()
		h.Thread, found = &st, true
	}
	if r, ok := s.recorder.(interface{ SPSCStats() metrics.SPSCStats }); ok {
		st := r.SPSCStats()
		h.SPSC, found = &st, true
	}
	if w, ok := s.writer.(interface{ UnboundedStats() writer.UnboundedStats }); ok {
		st := w.UnboundedStats()
		h.Unbounded, found = &st, true
	}
	if !found {
		return nil
	}
	return &h
}

// SeedHealth returns the seed designs' counters (nil when none runs), as
// /health reports them.
func (s *Server) SeedHealth() *SeedDesignHealth { return s.seedHealth() }

var _ executor.SocketConn = (*conn)(nil)

// NetConn implements executor.SocketConn: executor=thread takes the socket
// over to read and write it with blocking system calls.
func (c *conn) NetConn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nc
}

// SetNetConn implements executor.SocketConn: from now on c reads and
// writes through nc. Called by the executor before the first WaitRequest,
// when nothing is buffered yet.
func (c *conn) SetNetConn(nc net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nc = nc
	c.br.Reset(nc)
	c.rdl, c.wdl = time.Time{}, time.Time{} // nc has no deadlines yet
}

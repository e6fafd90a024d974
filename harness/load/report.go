package load

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"metricstream/harness/results"
)

// NewTrial records a run of cfg that started at start as a results.Trial
// (scenario, variant and trial index are the caller's to fill).
func NewTrial(cfg Config, start time.Time, s Summary) (results.Trial, error) {
	cfg.defaults()
	t := results.Trial{
		Model:     string(cfg.Model),
		Clients:   cfg.Clients,
		Batch:     cfg.Batch,
		KeepAlive: cfg.KeepAlive,
		Start:     start,
	}
	if cfg.Model == Open {
		t.OfferedRate = cfg.Rate
	} else {
		t.Requests = cfg.Requests
	}
	return t, s.Fill(cfg, &t)
}

// Report writes t in the seed's load_test terms: success rate, status
// breakdown, throughput and latency percentiles.
func Report(w io.Writer, addr string, t *results.Trial) error {
	c := t.Counts
	load := fmt.Sprintf("%d clients × %d requests", t.Clients, t.Requests)
	if t.Model == string(Open) {
		load = fmt.Sprintf("%g req/s offered by up to %d clients", t.OfferedRate, t.Clients)
	} else if t.Requests == 0 {
		load = fmt.Sprintf("%d clients, closed loop", t.Clients)
	}
	conn := "new connection per request"
	if t.KeepAlive {
		conn = "keep-alive"
	}
	lat := t.Latency
	_, err := fmt.Fprintf(w, `Target:        %s (%s model)
Load:          %s, %d metric(s) per request, %s
Requests:      %d in %s
Success rate:  %.2f%% (%d/%d)
Status:        2xx %d, 400 %d, 429 %d, 503 %d, other %d, timeout %d, connection error %d
Throughput:    %.1f req/s (2xx), %d metrics acknowledged
Latency:       avg %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s
`,
		addr, t.Model, load, t.Batch, conn,
		c.Total(), fmtDur(t.DurationNS),
		t.SuccessPct, c.Status2xx, c.Total(),
		c.Status2xx, c.Status400, c.Status429, c.Status503, c.Other, c.Timeout, c.ConnError,
		t.Throughput, t.Acked,
		fmtDur(int64(lat.Mean)), fmtDur(lat.P50), fmtDur(lat.P90), fmtDur(lat.P99), fmtDur(lat.P999), fmtDur(lat.Max))
	if err == nil && t.WindowNS > 0 {
		_, err = fmt.Fprintf(w, "Send window:   %s (throughput is over it), then %s of drain to the last answer or timeout\n", fmtDur(t.WindowNS), fmtDur(t.DrainNS))
	}
	if err == nil && t.Model == string(Open) {
		_, err = fmt.Fprintf(w, "Late sends:    %d (latency is timed from each request's intended send time); %.1f req/s sent, %d delayed over 5ms by the generator itself%s\n",
			c.Late, t.SentRate, t.GeneratorLate, map[bool]string{true: ": GENERATOR-LIMITED (it measured the generator as much as the server)"}[t.GeneratorLimited])
	}
	return err
}

// WriteJSON writes t as one indented JSON object.
func WriteJSON(w io.Writer, t *results.Trial) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// fmtDur renders ns with 3 significant digits: 1.23ms, 456µs.
func fmtDur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3gs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3gms", float64(d)/1e6)
	case d >= time.Microsecond:
		return fmt.Sprintf("%.3gµs", float64(d)/1e3)
	}
	return fmt.Sprintf("%dns", ns)
}

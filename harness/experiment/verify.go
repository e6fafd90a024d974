package experiment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/internal/clip"
	"metricstream/variants"
)

// Tally counts the metrics one server instance acknowledged, from every
// request the harness sent it: verification, warm-up and trials.
type Tally struct{ n atomic.Int64 }

// Add implements load.Recorder.
func (t *Tally) Add(r *load.Result) {
	if r.Class == load.Class2xx {
		t.n.Add(r.Accepted)
	}
}

// Acked is the running total.
func (t *Tally) Acked() int64 { return t.n.Load() }

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// LineWait bounds the wait for an acknowledged metric to reach the data
	// file (an async writer appends it after the answer). Default 3s.
	LineWait time.Duration
	// RateLimit is true when the instance runs with -rate-limit 10, so the
	// 11th request within a second must get 429. When false (remote
	// target, unknown limit) the step is informational.
	RateLimit bool
}

// Verify checks that inst is the variant asked for and keeps the server's
// promises before anything is measured: /health reports want; a valid batch
// is acknowledged and its line reaches the data file; invalid input gets
// 400; the 11th request of one client within a second gets 429. Metrics it
// gets acknowledged are added to tally.
func Verify(ctx context.Context, inst launch.Instance, want variants.Set, tally *Tally, opt VerifyOptions) []results.Step {
	if opt.LineWait <= 0 {
		opt.LineWait = 3 * time.Second
	}
	v := &verifier{ctx: ctx, c: &http.Client{Timeout: 5 * time.Second}, base: "http://" + inst.Addr(),
		nonce: fmt.Sprintf("%x", time.Now().UnixNano()), inst: inst, tally: tally, opt: opt}
	return []results.Step{v.health(want), v.validBatch(), v.invalidBatches(), v.rateLimit()}
}

// verifier is one Verify: its client, target and the nonce that keeps its
// metric names and client ids apart from any other run's.
type verifier struct {
	ctx         context.Context
	c           *http.Client
	base, nonce string
	inst        launch.Instance
	tally       *Tally
	opt         VerifyOptions
}

// health: /health reports the variant asked for.
func (v *verifier) health(want variants.Set) results.Step {
	st := results.Step{Name: "health-variant"}
	var health struct {
		Status  string            `json:"status"`
		Variant map[string]string `json:"variant"`
		Preset  string            `json:"preset"`
	}
	if code, body, err := do(v.ctx, v.c, "GET", v.base+"/health", "", ""); err != nil {
		st.Detail = err.Error()
	} else if code != 200 {
		st.Detail = fmt.Sprintf("GET /health: %d %s", code, clip.String(string(body)))
	} else if err := json.Unmarshal(body, &health); err != nil {
		st.Detail = fmt.Sprintf("GET /health: not JSON: %v: %s", err, clip.String(string(body)))
	} else if got := variants.Set(health.Variant); !launch.SameVariant(got, want) {
		st.Detail = fmt.Sprintf("server reports %s, want %s", launch.DescribeSet(got), launch.DescribeSet(want))
	} else {
		st.OK, st.Detail = true, "reports "+launch.DescribeSet(want)
	}
	return st
}

// acked tallies the metrics a 2xx body acknowledges ({"accepted":n}; 1
// when it does not say) and returns how many.
func (v *verifier) acked(body []byte) int64 {
	var a struct {
		Accepted *int64 `json:"accepted"`
	}
	n := int64(1)
	if json.Unmarshal(body, &a) == nil && a.Accepted != nil {
		n = *a.Accepted
	}
	v.tally.n.Add(n)
	return n
}

// validBatch: a valid batch is acknowledged and lands in the file.
func (v *verifier) validBatch() results.Step {
	name := "lab_verify_" + v.nonce
	st := results.Step{Name: "valid-batch"}
	valid := fmt.Sprintf(`{"metrics":[{"name":%q,"value":1.5,"type":"gauge","timestamp":1732640000000,"tags":{"check":"verify"}}]}`, name)
	code, body, err := do(v.ctx, v.c, "POST", v.base+"/metrics", "lab-verify-"+v.nonce, valid)
	switch {
	case err != nil:
		st.Detail = err.Error()
	case code < 200 || code > 299:
		st.Detail = fmt.Sprintf("POST /metrics valid batch: %d %s", code, clip.String(string(body)))
	default:
		data := v.inst.DataFile()
		if n := v.acked(body); n != 1 {
			st.Detail = fmt.Sprintf("acknowledged %d metrics of a batch of 1: %s", n, clip.String(string(body)))
		} else if data == "" {
			st.OK, st.Detail = true, "acknowledged (data file not observable: line not checked)"
		} else if waitForLine(v.ctx, data, name, v.opt.LineWait) {
			st.OK, st.Detail = true, "acknowledged and found in the data file"
		} else {
			st.Detail = fmt.Sprintf("acknowledged, but no line with %q in %s after %s", name, data, v.opt.LineWait)
		}
	}
	return st
}

// invalidBatches: invalid input gets 400.
func (v *verifier) invalidBatches() results.Step {
	st := results.Step{Name: "invalid-batch", OK: true}
	var bad []string
	for _, b := range []string{`{"metrics":[{"name":"","value":1}]}`, `{"metrics":[`, `{"metrics":[{"name":"x","value":"1"}]}`} {
		code, body, err := do(v.ctx, v.c, "POST", v.base+"/metrics", "lab-verify-bad-"+v.nonce, b)
		if err != nil || code != 400 {
			st.OK = false
			bad = append(bad, fmt.Sprintf("%s -> %d %v %s", b, code, err, clip.String(string(body))))
		}
	}
	if st.OK {
		st.Detail = "3 invalid bodies got 400"
	} else {
		st.Detail = strings.Join(bad, "; ")
	}
	return st
}

// rateLimit: the 11th request of one client within a second gets 429
// (informational when the target's limit is unknown).
func (v *verifier) rateLimit() results.Step {
	st := results.Step{Name: "rate-limit"}
	var codes []int
	client := "lab-verify-limit-" + v.nonce
	for i := 0; i < 11; i++ {
		one := fmt.Sprintf(`{"metrics":[{"name":"lab_verify_limit","value":%d}]}`, i)
		code, body, err := do(v.ctx, v.c, "POST", v.base+"/metrics", client, one)
		if err != nil {
			code = 0
		}
		if code >= 200 && code < 300 {
			v.acked(body)
		}
		codes = append(codes, code)
	}
	first10ok := true
	for _, c := range codes[:10] {
		first10ok = first10ok && c >= 200 && c < 300
	}
	st.Detail = fmt.Sprintf("statuses %v", codes)
	switch {
	case first10ok && codes[10] == 429:
		st.OK = true
	case !v.opt.RateLimit:
		st.OK = true
		st.Detail += " (rate limit of the target unknown: informational)"
	}
	return st
}

// do sends one request with Connection: close and returns status and body
// (at most 64 KiB).
func do(ctx context.Context, c *http.Client, method, url, auth, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Close = true
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, b, err
}

// waitForLine polls path until a line contains needle or wait has passed.
func waitForLine(ctx context.Context, path, needle string, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(needle)) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// FileLines counts a JSON Lines file's complete lines (each a JSON object
// ending in '\n') and partial ones (a torn last line, or a line that is not
// one JSON object).
func FileLines(path string) (lines, partial int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("experiment: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			complete := line[len(line)-1] == '\n'
			obj := bytes.TrimSpace(line)
			if complete && len(obj) > 1 && obj[0] == '{' && json.Valid(obj) {
				lines++
			} else {
				partial++
			}
		}
		if err == io.EOF {
			return lines, partial, nil
		}
		if err != nil {
			return lines, partial, fmt.Errorf("experiment: %w", err)
		}
	}
}

// Integrity compares what a stopped instance acknowledged with its data
// file: every acknowledged metric is one complete line, and no line is torn.
func Integrity(dataFile string, acked int64) (results.Step, int64, int64) {
	st := results.Step{Name: "integrity"}
	lines, partial, err := FileLines(dataFile)
	switch {
	case err != nil:
		st.Detail = err.Error()
	case lines != acked || partial != 0:
		st.Detail = fmt.Sprintf("acknowledged %d metrics, file %s has %d complete lines and %d partial", acked, dataFile, lines, partial)
	default:
		st.OK = true
		st.Detail = fmt.Sprintf("acknowledged %d metrics = %d complete lines, 0 partial", acked, lines)
	}
	return st, lines, partial
}

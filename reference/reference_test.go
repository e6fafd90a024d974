package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/internal/metric"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// clock is a settable clock for the limiter; tests never sleep.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newTest(t *testing.T, rateLimit int) (*Server, *bytes.Buffer, *clock) {
	t.Helper()
	var out bytes.Buffer
	c := &clock{t0}
	s, err := New(Config{Out: &out, RateLimit: rateLimit, Now: c.Now})
	require.NoError(t, err)
	return s, &out, c
}

func do(s http.Handler, method, path, auth, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func TestHealth(t *testing.T) {
	s, _, _ := newTest(t, 10)
	w := do(s, "GET", "/health", "", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /health: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if got, want := strings.TrimSpace(w.Body.String()), `{"status":"ok","variant":{"server":"reference"},"preset":"reference"}`; got != want {
		t.Errorf("GET /health = %s, want %s", got, want)
	}
}

func TestIngestWritesLines(t *testing.T) {
	s, out, _ := newTest(t, 0)
	body := `{"metrics":[{"name":"cpu","value":75.5,"type":"gauge","timestamp":1732640000000,"tags":{"region":"eu","host":"a"}},{"name":"q\"<","value":1e-7}]}`
	w := do(s, "POST", "/metrics", "c1", body)
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"accepted":2}` {
		t.Fatalf("POST /metrics: %d %s", w.Code, w.Body)
	}
	// The lines are exactly metric.AppendLine's, tags sorted by key, and the
	// metric without a timestamp is stamped with the request time.
	var want []byte
	want = metric.AppendLine(want, &metric.Metric{Name: "cpu", Value: 75.5, Type: "gauge", Timestamp: 1732640000000, HasTimestamp: true,
		Tags: []metric.Tag{{Key: "host", Value: "a"}, {Key: "region", Value: "eu"}}}, 0)
	want = metric.AppendLine(want, &metric.Metric{Name: "q\"<", Value: 1e-7}, t0.UnixMilli())
	assert.Equal(t, string(want), out.String(), "file")
	assert.EqualValues(t, 2, s.Accepted(), "Accepted")
}

// Bad input gets 400 (413 for an oversized body) with {"error": ...}, and
// nothing reaches the file. The cases are the contract's: syntax, shape and
// every semantic rule metric.ValidateBatch applies.
func TestIngestRejects(t *testing.T) {
	many := `{"metrics":[` + strings.Repeat(`{"name":"a","value":1},`, metric.MaxBatch) + `{"name":"a","value":1}]}`
	for _, tc := range []struct {
		name, body string
		status     int
		msg        string
	}{
		{"empty-body", ``, 400, "invalid JSON"},
		{"truncated", `{"metrics":[`, 400, "invalid JSON"},
		{"trailing", `{"metrics":[{"name":"a","value":1}]}x`, 400, "trailing"},
		{"two-objects", `{"metrics":[{"name":"a","value":1}]}{}`, 400, "trailing"},
		{"not-object", `[]`, 400, "invalid JSON"},
		{"missing-metrics", `{}`, 400, `missing key "metrics"`},
		{"metrics-null", `{"metrics":null}`, 400, `missing key "metrics"`},
		{"unknown-top-key", `{"metrics":[],"other":1}`, 400, `unknown field "other"`},
		{"unknown-metric-key", `{"metrics":[{"name":"a","value":1,"unit":"ms"}]}`, 400, `unknown field "unit"`},
		{"missing-name", `{"metrics":[{"value":1}]}`, 400, `metrics[0]: missing "name"`},
		{"missing-value", `{"metrics":[{"name":"a"},{"name":"b"}]}`, 400, `metrics[0]: missing "value"`},
		{"value-string", `{"metrics":[{"name":"a","value":"1"}]}`, 400, "invalid JSON"},
		{"value-NaN", `{"metrics":[{"name":"a","value":NaN}]}`, 400, "invalid JSON"},
		{"value-overflow", `{"metrics":[{"name":"a","value":1e400}]}`, 400, "invalid JSON"},
		{"timestamp-fraction", `{"metrics":[{"name":"a","value":1,"timestamp":1.5}]}`, 400, "invalid JSON"},
		{"tags-number", `{"metrics":[{"name":"a","value":1,"tags":{"a":1}}]}`, 400, "invalid JSON"},
		{"leading-zero", `{"metrics":[{"name":"a","value":01}]}`, 400, "invalid JSON"},
		{"empty-batch", `{"metrics":[]}`, 400, "batch cannot be empty"},
		{"empty-name", `{"metrics":[{"name":"","value":1}]}`, 400, "name cannot be empty"},
		{"long-name", `{"metrics":[{"name":"` + strings.Repeat("n", 256) + `","value":1}]}`, 400, "name too long"},
		{"unknown-type", `{"metrics":[{"name":"a","value":1,"type":"meter"}]}`, 400, "unknown type"},
		{"negative-timestamp", `{"metrics":[{"name":"a","value":1,"timestamp":-1}]}`, 400, "not negative"},
		{"control-char", `{"metrics":[{"name":"a\n","value":1}]}`, 400, "control character"},
		{"empty-tag-key", `{"metrics":[{"name":"a","value":1,"tags":{"":"v"}}]}`, 400, "tag key cannot be empty"},
		{"1001-metrics", many, 400, "batch too large"},
		{"oversized", `{"metrics":[{"name":"` + strings.Repeat("n", DefaultMaxBodyBytes) + `","value":1}]}`, 413, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, out, _ := newTest(t, 0)
			w := do(s, "POST", "/metrics", "c", tc.body)
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), "%d body %q", w.Code, w.Body)
			if w.Code != tc.status || !strings.Contains(e.Error, tc.msg) {
				t.Errorf("got %d %q, want %d containing %q", w.Code, e.Error, tc.status, tc.msg)
			}
			assert.Zero(t, out.Len(), "rejected batch wrote %q", out)
		})
	}
}

// The corner cases where encoding/json is more lenient than the lab's
// parser, as documented in doc.go: pinned here so a change is noticed.
func TestDocumentedLeniency(t *testing.T) {
	for _, tc := range []struct{ name, body, line string }{
		{"duplicate-key-keeps-last", `{"metrics":[{"name":"a","value":1,"name":"b"}]}`, `"name":"b"`},
		{"case-insensitive-key", `{"metrics":[{"Name":"a","value":1}]}`, `"name":"a"`},
		{"tags-null", `{"metrics":[{"name":"a","value":1,"tags":null}]}`, `"name":"a","value":1}`},
		{"lone-surrogate", `{"metrics":[{"name":"a\ud800","value":1}]}`, `"name":"a` + "\ufffd" + `"`},
	} {
		s, out, _ := newTest(t, 0)
		if w := do(s, "POST", "/metrics", "c", tc.body); w.Code != 200 {
			t.Errorf("%s: %d %s, want 200 (encoding/json's leniency)", tc.name, w.Code, w.Body)
		} else if !strings.Contains(out.String(), tc.line) {
			t.Errorf("%s: line %q lacks %q", tc.name, out, tc.line)
		}
	}
}

func TestRateLimitSlidingWindow(t *testing.T) {
	s, _, c := newTest(t, 10)
	one := `{"metrics":[{"name":"a","value":1}]}`
	for i := 0; i < 10; i++ {
		c.now = t0.Add(time.Duration(i) * 50 * time.Millisecond)
		if w := do(s, "POST", "/metrics", "alice", one); w.Code != 200 {
			t.Fatalf("request %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	c.now = t0.Add(900 * time.Millisecond)
	w := do(s, "POST", "/metrics", "alice", one)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "at most 10 requests per second") {
		t.Fatalf("11th request: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := do(s, "POST", "/metrics", "bob", one); w.Code != 200 {
		t.Errorf("another client: %d", w.Code)
	}
	// Sliding, not fixed: at t0+1s only the first admission has left.
	c.now = t0.Add(time.Second)
	if w := do(s, "POST", "/metrics", "alice", one); w.Code != 200 {
		t.Errorf("after the oldest left the window: %d", w.Code)
	}
	if w := do(s, "POST", "/metrics", "alice", one); w.Code != 429 {
		t.Errorf("window full again: %d", w.Code)
	}
	// No Authorization: the remote IP is the client (httptest's 192.0.2.1).
	for i := 0; i < 10; i++ {
		do(s, "POST", "/metrics", "", one)
	}
	if w := do(s, "POST", "/metrics", "", one); w.Code != 429 {
		t.Errorf("11th request without Authorization: %d", w.Code)
	}
}

func TestLimiterForgetsIdleClients(t *testing.T) {
	l := newLimiter(2, time.Second)
	for i := 0; i < 100; i++ {
		l.allow(fmt.Sprint("c", i), t0)
	}
	require.Equal(t, 100, l.clients(), "clients")
	l.allow("late", t0.Add(sweepEvery))
	assert.Equal(t, 1, l.clients(), "after a sweep: %d clients, want 1", l.clients())
	if ok, _ := newLimiter(0, time.Second).allow("x", t0); !ok {
		t.Error("limit 0 must disable limiting")
	}
}

func TestStatsAndRouting(t *testing.T) {
	s, _, _ := newTest(t, 0)
	do(s, "POST", "/metrics", "c", `{"metrics":[{"name":"a","value":1},{"name":"b","value":2}]}`)
	do(s, "POST", "/metrics", "c", `{`)
	if w := do(s, "GET", "/nope", "", ""); w.Code != 404 {
		t.Errorf("unknown path: %d", w.Code)
	}
	if w := do(s, "DELETE", "/metrics", "", ""); w.Code != 405 || !strings.Contains(w.Header().Get("Allow"), "POST") {
		t.Errorf("DELETE /metrics: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
	w := do(s, "GET", "/metrics", "", "")
	var st Stats
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || w.Code != 200 {
		t.Fatalf("GET /metrics: %d %v %s", w.Code, err, w.Body)
	}
	if st.MetricsAccepted != 2 || st.Requests.Total != 4 || st.Requests.ByStatus["200"] != 1 || st.Requests.ByStatus["400"] != 1 ||
		st.Requests.ByStatus["404"] != 1 || st.Requests.ByStatus["405"] != 1 || st.Requests.ByClass["4xx"] != 3 {
		t.Errorf("stats %+v", st)
	}
}

// failing is a data file whose writes fail.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestStorageFailureIs503(t *testing.T) {
	s, err := New(Config{Out: failing{}})
	require.NoError(t, err)
	w := do(s, "POST", "/metrics", "c", `{"metrics":[{"name":"a","value":1}]}`)
	if w.Code != 503 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "disk full") {
		t.Errorf("%d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	assert.Zero(t, s.Accepted(), "Accepted = %d after a failed write", s.Accepted())
}

// syncer counts Sync calls.
type syncer struct {
	bytes.Buffer
	syncs int
}

func (s *syncer) Sync() error { s.syncs++; return nil }

func TestFsyncAlways(t *testing.T) {
	if _, err := New(Config{Out: &bytes.Buffer{}, FsyncAlways: true}); err == nil {
		t.Error("fsync always over a writer without Sync: want an error")
	}
	var f syncer
	s, err := New(Config{Out: &f, FsyncAlways: true})
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		do(s, "POST", "/metrics", "c", `{"metrics":[{"name":"a","value":1}]}`)
	}
	if f.syncs != 3 || strings.Count(f.String(), "\n") != 3 {
		t.Errorf("%d syncs, %d lines; want 3 and 3", f.syncs, strings.Count(f.String(), "\n"))
	}
	if _, err := New(Config{}); err == nil {
		t.Error("no data file: want an error")
	}
}

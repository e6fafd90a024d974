package server

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/internal/stages"
)

// healthStages reads /health's "stages" (nil when absent).
func healthStages(t *testing.T, c *client) *stages.Snapshot {
	t.Helper()
	r := c.do("GET", "/health", "", "")
	require.Equal(t, 200, r.status, "GET /health = %d %s", r.status, r.body)
	var h struct {
		Stages *stages.Snapshot `json:"stages"`
	}
	require.NoError(t, json.Unmarshal(r.body, &h), "%s", r.body)
	return h.Stages
}

// TestStages: with -stages 1/1 every request is timed. A client pipelines
// accepted POSTs and 429s in one write (so all but the first are already
// buffered when their turn comes), then reads /health: each stage counts
// the requests that pass through it, the /health request itself included
// in the stages it has finished by the time it reads the timer, and the
// shares add up to 1. With timing off /health has no "stages".
func TestStages(t *testing.T) {
	for _, spec := range []string{"optimized", "baseline", "executor=thread"} { // pool, spawn, thread
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			const accepted, limited = 40, 7
			clock := newClock()
			ts := start(t, spec, func(c *Config) {
				c.RateLimit, c.Now, c.Stages = accepted, clock.Now, stages.New(1)
			})
			c := dial(t, ts.addr)
			var batch strings.Builder
			for range accepted + limited {
				batch.WriteString(request("POST", "/metrics", "stages", `{"metrics":[{"name":"cpu","value":1}]}`))
			}
			c.send(batch.String())
			for i := range accepted + limited {
				want := 200
				if i >= accepted {
					want = 429
				}
				r := c.read()
				require.Equal(t, want, r.status, "request %d: %s", i, r.body)
			}
			snap := healthStages(t, c)
			require.NotNil(t, snap, "/health has no stages with -stages 1/1")
			posts := uint64(accepted + limited)
			assert.EqualValues(t, 1, snap.Every)
			assert.Equal(t, posts+1, snap.Sampled, "sampled: every POST and the /health request")
			want := map[stages.Stage]uint64{
				stages.ReadHeader: posts + 1, stages.RateLimit: posts, stages.Record: posts,
				stages.ReadBody: posts + 1, stages.Queue: posts + 1, stages.Parse: accepted,
				stages.Validate: accepted, stages.Encode: accepted, stages.Write: accepted,
				stages.Respond: posts, // /health is still answering when it reads the timer
			}
			require.Len(t, snap.Stages, int(stages.NumStages))
			shares := 0.0
			for st := range stages.NumStages {
				got, ok := snap.Get(st.String())
				require.True(t, ok, "no stage %s", st)
				assert.Equal(t, want[st], got.Count, "stage %s count", st)
				assert.GreaterOrEqual(t, got.SumNS, int64(0), "stage %s", st)
				shares += got.Share
			}
			assert.InDelta(t, 1, shares, 1e-9, "shares add up to 1")
			assert.Positive(t, snap.TotalNS)
			assert.Positive(t, snap.CPUNS, "/health's stages carry the process's CPU time")

			// A keep-alive connection's idle wait is not a stage: one
			// request after 300 ms of idle adds far less than 300 ms.
			time.Sleep(300 * time.Millisecond)
			before := healthStages(t, c)
			time.Sleep(300 * time.Millisecond)
			after := healthStages(t, c)
			d := after.Sub(*before)
			assert.EqualValues(t, 1, d.Sampled, "one request between the readings")
			assert.Less(t, d.TotalNS, int64(300*time.Millisecond), "the idle wait was charged to a stage: %+v", d)
		})
	}
}

// TestStagesRefusals: requests answered early end their sample: a 404 and
// a framing error (400) are timed through the stages they reach and
// Respond, and later requests on other connections are timed from their
// own first byte.
func TestStagesRefusals(t *testing.T) {
	ts := start(t, "optimized", func(c *Config) { c.Stages = stages.New(1) })
	// Each connection is read to its end: the server closes it after
	// marking the request's last stage, so /health then sees every mark.
	c := dial(t, ts.addr)
	c.send("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	require.Equal(t, 404, c.read().status)
	_, err := io.ReadAll(c.br)
	require.NoError(t, err)
	bad := dial(t, ts.addr)
	bad.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
	require.Equal(t, 400, bad.read().status)
	_, err = io.ReadAll(bad.br)
	require.NoError(t, err)
	snap := healthStages(t, dial(t, ts.addr))
	require.NotNil(t, snap)
	// 404: read_header, read_body, queue, respond; 400: read_header,
	// respond; /health: read_header, read_body, queue
	want := map[stages.Stage]uint64{stages.ReadHeader: 3, stages.ReadBody: 2, stages.Queue: 2, stages.Respond: 2}
	assert.EqualValues(t, 3, snap.Sampled)
	for st := range stages.NumStages {
		got, _ := snap.Get(st.String())
		assert.Equal(t, want[st], got.Count, "stage %s count", st)
	}
}

// TestStagesOff: no timer, no "stages" in /health.
func TestStagesOff(t *testing.T) {
	for _, timer := range []*stages.Timer{nil, stages.New(0)} {
		ts := start(t, "optimized", func(c *Config) { c.Stages = timer })
		c := dial(t, ts.addr)
		require.Equal(t, 200, c.do("POST", "/metrics", "", `{"metrics":[{"name":"cpu","value":1}]}`).status)
		r := c.do("GET", "/health", "", "")
		require.Equal(t, 200, r.status)
		assert.NotContains(t, string(r.body), `"stages"`)
	}
}

// TestPipelinedAnswersNotHeldBack: answers held back for a batch of
// pipelined requests are sent as soon as the next request is not whole in
// the buffer: a client that sent two requests and half of a third gets its
// two answers without sending more, then the third's once it completes.
func TestPipelinedAnswersNotHeldBack(t *testing.T) {
	for _, spec := range []string{"optimized", "baseline", "executor=thread"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, nil)
			c := dial(t, ts.addr)
			post := request("POST", "/metrics", "pipe", `{"metrics":[{"name":"cpu","value":1}]}`)
			third := request("GET", "/health", "", "")
			c.send(post + post + third[:10])
			c.nc.SetReadDeadline(time.Now().Add(10 * time.Second)) // only a hang detector
			for i := range 2 {
				r := c.read()
				require.Equal(t, 200, r.status, "answer %d: %s", i, r.body)
			}
			c.send(third[10:])
			require.Equal(t, 200, c.read().status)
			// a batch whose last request ends the connection: every answer arrives
			c.send(post + post + strings.Replace(post, "Host: test\r\n", "Host: test\r\nConnection: close\r\n", 1))
			for i := range 3 {
				require.Equal(t, 200, c.read().status, "answer %d", i)
			}
			require.NoError(t, ts.stop())
			assert.Len(t, lines(t, ts.data), 5)
		})
	}
}

package executor

import (
	"context"
	"fmt"
	"hash/fnv"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/panjf2000/ants/v2"
)

// benchPayload is what each request "parses": a small CPU task standing in
// for reading, validating and answering one request.
var benchPayload = []byte(`{"metrics":[{"name":"cpu.usage","value":42.5,"tags":{"host":"a"}}]}`)

var benchSink atomic.Uint64

func serveTask() {
	h := fnv.New64a()
	for range 4 {
		h.Write(benchPayload)
	}
	benchSink.Add(h.Sum64() & 1)
}

// benchLoad hands out b.N requests to its connections.
type benchLoad struct {
	left     atomic.Int64 // requests not yet taken
	rejected atomic.Int64
	exec     Executor
	closed   sync.WaitGroup
}

// benchConn takes requests from its load until none are left. A rejected
// request goes back to the load, and the client reconnects, as a real one
// would after a 503.
type benchConn struct {
	load     *benchLoad
	rejected bool
}

func (c *benchConn) WaitRequest() bool  { return c.load.left.Add(-1) >= 0 }
func (c *benchConn) ServeRequest() bool { serveTask(); return true }
func (c *benchConn) Reject() {
	c.load.rejected.Add(1)
	c.load.left.Add(1)
	c.rejected = true
}
func (c *benchConn) Close() {
	if c.rejected {
		c.load.exec.Execute(&benchConn{load: c.load})
		return
	}
	c.load.closed.Done()
}

// antsExec runs requests on an ants pool, with connection waiters as in
// Pool: the "what an ordinary Go service uses" peer. Its capacity matches
// Pool's: size workers, at most queue submitters waiting (ants' queue is its
// blocked submitters), ErrPoolOverload beyond that → Reject.
type antsExec struct {
	pool *ants.Pool
}

func newAntsExec(cfg Config) *antsExec {
	p, err := ants.NewPool(cfg.Workers, ants.WithMaxBlockingTasks(cfg.QueueLen), ants.WithPreAlloc(true))
	if err != nil {
		panic(err)
	}
	return &antsExec{pool: p}
}

func (a *antsExec) Execute(c Conn) {
	go func() {
		defer c.Close()
		done := make(chan bool, 1)
		for c.WaitRequest() {
			err := a.pool.Submit(func() { done <- c.ServeRequest() })
			if err != nil { // ants.ErrPoolOverload: workers busy, queue full
				c.Reject()
				return
			}
			if !<-done {
				return
			}
		}
	}()
}

func (a *antsExec) Shutdown(context.Context) error {
	return a.pool.ReleaseTimeout(hangTimeout)
}

func (a *antsExec) Stats() Stats { return Stats{} }

// BenchmarkExecute measures serving b.N requests spread over conns
// keep-alive connections, connections created and closed inside the timed
// region. variant=pool-handoff is the pool design Pool replaced (worker
// goroutines fed by a channel). variant=ants is the reference: the same per-request task on a
// github.com/panjf2000/ants/v2 pool of the same size and queue.
func BenchmarkExecute(b *testing.B) {
	workers := max(4, 2*runtime.GOMAXPROCS(0))
	cfg := Config{Workers: workers, QueueLen: 1024}
	news := append(slices.Concat(Variants, poolHandoff), struct {
		Name string
		New  func(Config) Executor
	}{"ants", func(c Config) Executor { return newAntsExec(c) }})
	for _, conns := range []int{1, 64, 1024} {
		for _, v := range news {
			b.Run(fmt.Sprintf("variant=%s/conns=%d", v.Name, conns), func(b *testing.B) {
				ex := v.New(cfg)
				load := &benchLoad{exec: ex}
				load.left.Store(int64(b.N))
				load.closed.Add(conns)
				b.ReportAllocs()
				b.ResetTimer()
				for range conns {
					ex.Execute(&benchConn{load: load})
				}
				load.closed.Wait()
				b.StopTimer()
				b.ReportMetric(float64(load.rejected.Load())/float64(b.N), "rejected/op")
				if err := ex.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

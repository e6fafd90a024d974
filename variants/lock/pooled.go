package lock

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// PoolShards is the number of shards of a Pooled table. The seed uses 10007
// mutexes; in Go each shard carries a mutex and its own map, so the count is
// paid in memory (a padded shard is a cache line: 1031 shards are 66 KiB,
// 10007 would be 640 KiB per table, plus a map header per used shard) and in
// Evict, which visits every shard. What the count buys is a low chance that
// a request waits for an unrelated client: with k goroutines running Do at
// once (at most GOMAXPROCS), a given Do shares its shard with another with
// probability about (k-1)/1031, 1.5% at 16 cores (10007 would give 0.15% for
// ten times the memory and Evict walk). A prime is not needed with maphash
// (its output is well mixed); it is kept to match the seed, and costs one
// division.
const PoolShards = 1031

// Pooled is the seed's chapter 9, part B: a fixed pool of shards, each a
// mutex and its own map, a client's shard chosen by hashing its id. Many
// clients share a shard and therefore a lock, which is fine: a shard lock is
// held only for one fn. fn and idle run with exactly one shard lock held, and
// no code ever holds two, so Pooled cannot deadlock.
//
// Pick it when there are many clients and many cores, and Evict must not
// allocate: no per-client mutex, no snapshot, a single map write per new
// client. It costs a hash per Do, 66 KiB per table, and false sharing of a
// lock between unrelated clients that hash together.
type Pooled[S any] struct {
	// shards comes first: a Pooled is over 32 KiB, so Go allocates it at
	// the start of its own pages, and the shards then start on a 64-byte
	// boundary, each exactly one cache line (TestPooledShardPerCacheLine).
	// After a 24-byte header, as it was, each shard straddled two lines,
	// though its mutex and map (bytes 24-39 of a line) still sat in one, so
	// no false sharing is expected from either layout; BenchmarkShardLayout
	// compares them (on the lab's loaded 2-core machine it resolves no
	// difference, not even for unpadded shards: rerun it with -cpu 8,16).
	shards [PoolShards]shard[S]

	max  int64        // immutable
	seed maphash.Seed // immutable; chosen at construction
	n    atomic.Int64 // clients held in all shards; n <= max, raised under the shard's lock before inserting
}

// shard is one lock of the pool and the clients hashed to it. It is padded
// to 64 bytes, the cache line of amd64 and most arm64, so that two cores
// locking neighbouring shards do not bounce one line between them (false
// sharing; BenchmarkShardLayout's layout=packed is the unpadded shard).
// CPUs that prefetch lines in pairs (Intel's adjacent-line prefetcher) can
// still couple two neighbours; 128 bytes would avoid that at twice the
// memory, for an effect the benchmark could not show on 2 cores.
type shard[S any] struct {
	mu sync.Mutex
	m  map[string]*S // guarded by mu; nil until the first insert
	_  [64 - 16]byte // pad to one cache line
}

// NewPooled returns an empty Pooled table.
func NewPooled[S any](cfg Config) Table[S] {
	return &Pooled[S]{max: int64(cfg.max()), seed: maphash.MakeSeed()}
}

// shardOf returns the index of client's shard.
func (p *Pooled[S]) shardOf(client string) int {
	return int(maphash.String(p.seed, client) % PoolShards)
}

// Do runs fn on client's state with the client's shard lock held.
func (p *Pooled[S]) Do(client string, fn func(s *S)) bool {
	sh := &p.shards[p.shardOf(client)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, ok := sh.m[client]
	if !ok {
		if p.n.Add(1) > p.max {
			p.n.Add(-1)
			return false
		}
		if sh.m == nil {
			sh.m = make(map[string]*S)
		}
		s = new(S)
		sh.m[client] = s
	}
	fn(s)
	return true
}

// Evict removes the clients whose state idle reports true, locking one shard
// at a time, so requests wait for at most one shard's walk.
func (p *Pooled[S]) Evict(idle func(s *S) bool) int {
	n := 0
	for i := range p.shards {
		k := p.shards[i].evict(idle)
		p.n.Add(int64(-k)) // at once: the freed room is usable before the walk ends
		n += k
	}
	return n
}

func (sh *shard[S]) evict(idle func(s *S) bool) int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n := 0
	for k, s := range sh.m {
		if idle(s) {
			delete(sh.m, k)
			n++
		}
	}
	return n
}

// Len returns the number of clients held.
func (p *Pooled[S]) Len() int { return int(p.n.Load()) }

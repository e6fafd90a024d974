package lock

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestPooledShardPerCacheLine: a shard is 64 bytes and the shard array of a
// Pooled table starts on a 64-byte boundary, so each shard is exactly one
// cache line (on CPUs with 64-byte lines: amd64, arm64 but Apple's).
func TestPooledShardPerCacheLine(t *testing.T) {
	require.EqualValues(t, 64, unsafe.Sizeof(shard[state]{}), "shard size")
	for range 10 { // several tables: the alignment must not be luck
		p := NewPooled[state](Config{}).(*Pooled[state])
		require.Zero(t, uintptr(unsafe.Pointer(&p.shards[0]))%64, "bytes from the shards' start to the cache line's")
	}
}

// shardPacked is a shard without its padding: four share a cache line.
type shardPacked[S any] struct {
	mu sync.Mutex
	m  map[string]*S
}

// shardsAt24 lays the padded shards out as Pooled did before the shards
// moved to its first field: after 24 bytes of header (max, seed, n), so
// each 64-byte shard straddles two cache lines (its mutex and map in the
// first, its padding in the second).
type shardsAt24[S any] struct {
	_      [24]byte
	shards [PoolShards]shard[S]
}

// BenchmarkShardLayout: each goroutine locks its own shard, next to the
// other goroutines' (shards 0, 1, 2, …), looks its client up and updates
// it: no two goroutines share a lock, so any slowdown between layouts is
// cache lines bouncing between cores (false sharing). layout=packed is the
// shard without padding, for scale; offset24 is Pooled's layout before the
// shards moved to the front of the struct, aligned the one it has now.
// Allocations over 32 KiB start on a page, so the offsets are exact.
func BenchmarkShardLayout(b *testing.B) {
	run := func(b *testing.B, lock func(i int) (*sync.Mutex, map[string]*window)) {
		var seq atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			mu, m := lock(int(seq.Add(1) - 1))
			var now int64
			for pb.Next() {
				now++
				mu.Lock()
				m["client"].allow(now)
				mu.Unlock()
			}
		})
	}
	fill := func(m *map[string]*window) map[string]*window {
		*m = map[string]*window{"client": new(window)}
		return *m
	}
	b.Run("layout=packed", func(b *testing.B) {
		sh := new([PoolShards]shardPacked[window])
		run(b, func(i int) (*sync.Mutex, map[string]*window) { return &sh[i].mu, fill(&sh[i].m) })
	})
	b.Run("layout=offset24", func(b *testing.B) {
		s := new(shardsAt24[window])
		run(b, func(i int) (*sync.Mutex, map[string]*window) { return &s.shards[i].mu, fill(&s.shards[i].m) })
	})
	b.Run("layout=aligned", func(b *testing.B) {
		p := NewPooled[window](Config{}).(*Pooled[window])
		run(b, func(i int) (*sync.Mutex, map[string]*window) { return &p.shards[i].mu, fill(&p.shards[i].m) })
	})
}

package server

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxIDsPerAddr is how many distinct client ids (Authorization
// values) one remote address may use, each with a quota of its own, before
// its further new ids share one quota keyed by the address.
const DefaultMaxIDsPerAddr = 64

// identities turns a request's Authorization value into its rate-limit key.
// The key is the value itself, except that one remote address gets at most
// perAddr distinct values as keys: beyond them, its further new values are
// keyed by the address, so they share one quota. Without this, an address
// rotating Authorization values gets a fresh quota per value and fills the
// limiter's client table (100,000 by default), after which every new client
// of anyone gets 503.
//
// Memory is bounded: at most max ids in all (the limiter's client cap;
// beyond it, new ids are keyed by their address too) and perAddr per
// address; an address idle for the limiter's eviction time is forgotten.
// Safe for concurrent use: addresses are spread over shards, each with its
// own mutex.
type identities struct {
	perAddr int
	max     int64
	seed    maphash.Seed
	shards  [idShards]idShard
	total   atomic.Int64  // ids held, all addresses
	shared  atomic.Uint64 // decisions keyed by the address because it had perAddr ids
}

const idShards = 64

type idShard struct {
	mu    sync.Mutex
	addrs map[string]*addrIDs // guarded by mu
}

// addrIDs are the ids one address has used. Fields guarded by the shard's mu.
type addrIDs struct {
	ids  map[string]struct{}
	last int64 // unix nanoseconds of the address's last request
}

func newIdentities(perAddr, max int) *identities {
	t := &identities{perAddr: perAddr, max: int64(max), seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].addrs = map[string]*addrIDs{}
	}
	return t
}

// key returns the rate-limit key of a request from addr carrying id (the
// Authorization value; "" keys by the address, promise 8 of docs/faults.md).
func (t *identities) key(addr, id string, now time.Time) string {
	if id == "" {
		return addr
	}
	sh := &t.shards[maphash.String(t.seed, addr)%idShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	a := sh.addrs[addr]
	if a == nil {
		a = &addrIDs{ids: make(map[string]struct{}, 1)}
		sh.addrs[addr] = a
	}
	a.last = now.UnixNano()
	if _, ok := a.ids[id]; ok {
		return id
	}
	if len(a.ids) >= t.perAddr || t.total.Load() >= t.max {
		t.shared.Add(1)
		return addr
	}
	a.ids[id] = struct{}{}
	t.total.Add(1)
	return id
}

// evictIdle forgets addresses with no request since now-idle and returns
// how many ids that freed.
func (t *identities) evictIdle(now time.Time, idle time.Duration) int {
	cut := now.Add(-idle).UnixNano()
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for addr, a := range sh.addrs {
			if a.last <= cut {
				n += len(a.ids)
				delete(sh.addrs, addr)
			}
		}
		sh.mu.Unlock()
	}
	t.total.Add(-int64(n))
	return n
}

// len returns the number of ids held.
func (t *identities) len() int { return int(t.total.Load()) }

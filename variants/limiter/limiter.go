// Package limiter holds the variants of the rate limiter (the sixth
// dimension, seed chapters 4 and 12): Window, the sliding window log of
// chapter 4; Bucket, a token bucket with burst; and
// Redis, a sliding window log kept in Redis by one atomic Lua script per
// decision, so that several server replicas share one quota per client.
//
// The local limiters (Window, Bucket) keep their per-client state in a
// lock.Table, so the lock dimension applies to them: the server passes its
// chosen lock constructor as Config.NewTable.
package limiter

import (
	"time"

	"metricstream/variants/lock"
)

// Limiter decides whether one client's request may proceed.
//
// Contract, the same for every variant (the conformance suite checks it):
//   - Allow(client, now) decides one request of client arriving at now and
//     records it when admitted. Time is a parameter: no variant reads the
//     clock for its decision (Redis may, if configured to use the Redis
//     server's clock; see RedisConfig.ServerTime). Allow is safe for
//     concurrent use; requests of one client are decided one at a time.
//   - With Config.Limit <= 0 every request is admitted.
//   - A refusal carries RetryAfter > 0: how long until a request of that
//     client would be admitted if no other arrives in between.
//   - EvictIdle forgets clients with no request for at least idle (>= the
//     window) and returns how many; a variant whose state expires by itself
//     (Redis: key TTLs) returns 0.
//   - Clients is the number of clients held locally (Redis: 0).
//   - Close releases connections and background work; Allow must not be
//     called after it.
type Limiter interface {
	Allow(client string, now time.Time) Decision
	EvictIdle(now time.Time, idle time.Duration) int
	Clients() int
	Close() error
}

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // when !Allowed: until a request would be admitted
	TableFull  bool          // local limiters: the client is new and the table is at its cap
	// Unavailable: the limiter's store (Redis) could not be reached, so the
	// request was decided by the fail-open/fail-closed policy: Allowed is
	// RedisConfig.FailOpen. The server answers a closed refusal with 503.
	Unavailable bool
}

// State is one client's state in a local limiter's lock.Table. It holds what
// every local algorithm keeps (a client uses only its limiter's part), so a
// single lock constructor, func(lock.Config) lock.Table[State], serves every
// local limiter and the lock dimension stays independent of this one. The
// unused part costs 24 bytes (window) or 56 bytes (bucket) per client.
type State struct {
	window windowLog
	bucket bucketState
}

// Config configures any variant. Zero values take the defaults.
type Config struct {
	Limit  int           // requests per Window per client; <= 0 disables limiting
	Window time.Duration // default 1s
	// Burst is the token bucket's capacity (default Limit): how many
	// requests a client that has been idle may send at one instant. The
	// window variants admit at most Limit in any Window by construction and
	// ignore it.
	Burst int

	// NewTable builds the local limiters' per-client table: the lock
	// dimension's constructor, e.g. lock.NewPooled[limiter.State]. Default
	// lock.NewPooled.
	NewTable   func(lock.Config) lock.Table[State]
	MaxClients int // lock.Config.MaxClients: clients held at most (default lock.DefaultMaxClients)

	Redis RedisConfig
}

// New builds a limiter.
type New func(Config) (Limiter, error)

// Variants lists every variant in the order of the dimension's registry
// (variants.Dimensions), for the conformance suite, the benchmarks and the
// server's wiring by name.
var Variants = []struct {
	Name string
	New  New
}{
	{"window", NewWindow},
	{"bucket", NewBucket},
	{"redis", NewRedis},
}

func (c Config) window() time.Duration {
	if c.Window <= 0 {
		return time.Second
	}
	return c.Window
}

func (c Config) table() lock.Table[State] {
	nt := c.NewTable
	if nt == nil {
		nt = lock.NewPooled[State]
	}
	return nt(lock.Config{MaxClients: c.MaxClients})
}

var (
	_ Limiter = (*Window)(nil)
	_ Limiter = (*Bucket)(nil)
	_ Limiter = (*Redis)(nil)
)

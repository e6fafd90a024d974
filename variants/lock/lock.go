// Package lock guards the rate limiter's per-client state. Its variants are
// the seed's chapter 4 (Global: one mutex) and chapter 9 (PerClient: a mutex
// per client; Pooled: a hashed pool of mutexes of prime size).
package lock

// Table maps client ids to a state S and serialises access per client.
//
// Contract, the same for every variant (the conformance suite checks it):
//   - Do(client, fn) runs fn with exclusive access to client's state,
//     creating a zero S first if the client is new. Two calls for the same
//     client never run fn at the same time; calls for different clients may.
//     fn must not call back into the Table. Do returns false, without
//     calling fn, only when client is new and the table already holds
//     MaxClients clients.
//   - Evict(idle) removes every client for which idle(state) returns true,
//     calling idle with that client's lock held, and returns how many it
//     removed. It may run concurrently with Do and never deadlocks with it.
//   - Len returns the number of clients held.
//   - Memory is bounded by MaxClients states.
type Table[S any] interface {
	Do(client string, fn func(s *S)) bool
	Evict(idle func(s *S) bool) int
	Len() int
}

// Config configures any variant.
type Config struct {
	MaxClients int // hard cap on clients held (default 100000)
}

// DefaultMaxClients is used when Config.MaxClients is 0.
const DefaultMaxClients = 100000

// max returns the effective cap: MaxClients, or DefaultMaxClients when it is
// zero or negative.
func (c Config) max() int {
	if c.MaxClients <= 0 {
		return DefaultMaxClients
	}
	return c.MaxClients
}

// Variants lists every variant in journey order, for the conformance suite,
// the benchmarks and the server's wiring. It is a function because Go has no
// generic variables.
func Variants[S any]() []struct {
	Name string
	New  func(Config) Table[S]
} {
	return []struct {
		Name string
		New  func(Config) Table[S]
	}{
		{"global", NewGlobal[S]},
		{"perclient", NewPerClient[S]},
		{"pooled", NewPooled[S]},
	}
}

var (
	_ Table[int] = (*Global[int])(nil)
	_ Table[int] = (*PerClient[int])(nil)
	_ Table[int] = (*Pooled[int])(nil)
)

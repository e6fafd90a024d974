package limiter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisConfig configures the Redis variant. Zero values take the defaults.
type RedisConfig struct {
	Addr    string        // host:port of redis-server (default 127.0.0.1:6379)
	Prefix  string        // key prefix (default "metricstream:limit:"); a client's key is Prefix+client
	Timeout time.Duration // dial, read, write and pool-wait timeout (default 100ms)
	// FailOpen decides what a request gets when Redis cannot be reached or
	// answers an error: true admits it (availability first: the limit is
	// off while Redis is down), false refuses it (protection first: the
	// server answers 503 with Retry-After). Either way the Decision says
	// Unavailable.
	FailOpen bool
	// CallerClock makes the script use the caller's now instead of the Redis
	// server's clock (TIME). The default, Redis's clock, gives the whole
	// fleet one clock: replicas' clocks differ by milliseconds or more, and
	// a window judged by each caller's own clock admits or refuses
	// differently depending on which replica a request lands on. Tests use
	// CallerClock to script instants exactly.
	CallerClock bool
}

// Redis keeps every client's sliding window log in Redis, in a sorted set
// per client (member: a unique request id; score: the admission time in µs),
// decided by one Lua script per request, which Redis runs atomically: any
// number of replicas sharing one Redis admit a client's quota once between
// them. It admits exactly what Window admits (at most Limit in any
// interval of length Window; a burst is at most Limit at one instant) and
// ignores Burst. Each decision costs a network round trip to Redis (tens of
// µs on loopback, more across hosts), and Redis's memory holds at most
// Limit members per client, with a TTL of one window so idle clients cost
// nothing. Pick it when the limit must hold across replicas.
type Redis struct {
	rdb         *redis.Client
	prefix      string
	limit       int
	window      int64 // µs
	failOpen    bool
	callerClock bool

	id       string        // unique per instance: request ids are id:seq
	seq      atomic.Uint64 // request ids within this instance
	failures atomic.Uint64 // decisions made by the fail policy
}

// slidingLog is the one script per decision. KEYS[1]: the client's sorted
// set. ARGV: limit, window (µs), now (µs; 0 = use Redis TIME), a unique
// member. It drops admissions at or before now-window (the same boundary as
// Window's windowLog: an admission at t leaves the window at t+window),
// counts what remains, and either adds now and refreshes the TTL, returning
// {1, 0}, or returns {0, µs until the oldest admission leaves}. Times are
// µs because Lua numbers are doubles: µs since 1970 fit in 2^53, ns do not.
// Redis ≥ 5 replicates a script's effects, so reading TIME inside it is
// allowed.
var slidingLog = redis.NewScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
`)

// quietLogger silences go-redis's own log lines (one per failed dial, which
// at fail-open request rates would flood the server's log); Redis failures
// show in Decision.Unavailable and Failures instead.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

var silenceOnce sync.Once

// NewRedis builds a Redis limiter. It does not connect: an unreachable Redis
// shows in decisions (Unavailable, decided by FailOpen), not here.
func NewRedis(cfg Config) (Limiter, error) {
	rc := cfg.Redis
	if rc.Addr == "" {
		rc.Addr = "127.0.0.1:6379"
	}
	if rc.Prefix == "" {
		rc.Prefix = "metricstream:limit:"
	}
	if rc.Timeout <= 0 {
		rc.Timeout = 100 * time.Millisecond
	}
	silenceOnce.Do(func() { redis.SetLogger(quietLogger{}) })
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("limiter: redis instance id: %w", err)
	}
	r := &Redis{
		rdb: redis.NewClient(&redis.Options{
			Addr:         rc.Addr,
			Protocol:     2,
			DialTimeout:  rc.Timeout,
			ReadTimeout:  rc.Timeout,
			WriteTimeout: rc.Timeout,
			PoolTimeout:  rc.Timeout,
			// one retry, so a connection Redis closed (a restart) costs no
			// decision; more would multiply the wait when Redis is down
			MaxRetries:               1,
			DialerRetries:            1, // a refused dial fails the decision at once
			DialerRetryTimeout:       time.Millisecond,
			MinRetryBackoff:          time.Millisecond,
			MaxRetryBackoff:          5 * time.Millisecond,
			DisableIdentity:          true,
			MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		}),
		prefix:      rc.Prefix,
		limit:       cfg.Limit,
		window:      int64(cfg.window() / time.Microsecond),
		failOpen:    rc.FailOpen,
		callerClock: rc.CallerClock,
		id:          hex.EncodeToString(b[:]) + ":",
	}
	if r.window <= 0 {
		r.window = 1
	}
	return r, nil
}

// Allow implements Limiter: one EVALSHA (EVAL when Redis answers NOSCRIPT,
// e.g. after a restart or SCRIPT FLUSH) per request.
func (r *Redis) Allow(client string, now time.Time) Decision {
	if r.limit <= 0 {
		return Decision{Allowed: true}
	}
	var at int64 // 0: the script reads Redis TIME
	if r.callerClock {
		at = now.UnixMicro()
	}
	member := r.id + strconv.FormatUint(r.seq.Add(1), 10)
	res, err := slidingLog.Run(context.Background(), r.rdb, []string{r.prefix + client},
		r.limit, r.window, at, member).Int64Slice()
	if err != nil || len(res) != 2 {
		r.failures.Add(1)
		if r.failOpen {
			return Decision{Allowed: true, Unavailable: true}
		}
		return Decision{RetryAfter: time.Second, Unavailable: true}
	}
	if res[0] == 1 {
		return Decision{Allowed: true}
	}
	retry := time.Duration(res[1]) * time.Microsecond
	if retry <= 0 {
		retry = time.Microsecond
	}
	return Decision{RetryAfter: retry}
}

// Failures is the number of decisions made by the fail-open/closed policy
// because Redis could not be reached or answered an error.
func (r *Redis) Failures() uint64 { return r.failures.Load() }

// EvictIdle implements Limiter: keys expire in Redis one window after their
// last admission, so there is nothing to evict here.
func (r *Redis) EvictIdle(time.Time, time.Duration) int { return 0 }

// Clients implements Limiter: no client state is held locally.
func (r *Redis) Clients() int { return 0 }

// Close implements Limiter: it closes the connection pool.
func (r *Redis) Close() error { return r.rdb.Close() }

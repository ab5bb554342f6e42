package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// DefaultTimeout bounds every Redis call when Options.Timeout is zero.
const DefaultTimeout = 75 * time.Millisecond

// Defaults of Options.HoldTTL and Options.RequestRetention.
const (
	DefaultHoldTTL          = time.Hour
	DefaultRequestRetention = 30 * 24 * time.Hour
)

// Client is the part of a go-redis client the store uses; *redis.Client,
// *redis.Ring and *redis.ClusterClient all fit.
type Client interface {
	Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd
	EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd
	HGetAll(ctx context.Context, key string) *redis.MapStringStringCmd
	Get(ctx context.Context, key string) *redis.StringCmd
	SMembers(ctx context.Context, key string) *redis.StringSliceCmd
	SAdd(ctx context.Context, key string, members ...any) *redis.IntCmd
	SRem(ctx context.Context, key string, members ...any) *redis.IntCmd
	SetNX(ctx context.Context, key string, value any, expiration time.Duration) *redis.BoolCmd
	Del(ctx context.Context, keys ...string) *redis.IntCmd
	Exists(ctx context.Context, keys ...string) *redis.IntCmd
	Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
	Ping(ctx context.Context) *redis.StatusCmd
	Subscribe(ctx context.Context, channels ...string) *redis.PubSub // Revocations
}

var (
	_ Client      = (*redis.Client)(nil)
	_ Client      = (*redis.Ring)(nil)
	_ Client      = (*redis.ClusterClient)(nil)
	_ store.Store = (*Store)(nil)
	_ store.Teams = (*Store)(nil)
	_ store.Money = (*Store)(nil)
	_ store.Tools = (*Store)(nil)
)

// Options configure New. Exactly one of URL and Client is set.
type Options struct {
	// URL is a redis:// or rediss:// URL; New dials it with Timeout as the
	// dial, read, write and pool timeout and no retries of dials or commands.
	URL string
	// Client is an existing client to use instead of URL. The caller sets its
	// timeouts and closes it; Close does not.
	Client Client
	// Timeout bounds each Redis call made through URL. Zero means DefaultTimeout.
	Timeout time.Duration
	// Now, when set, replaces Redis TIME as the clock of rate limits and
	// expiry. For tests only: production time must come from Redis.
	Now func() time.Time
	// HoldTTL is how long a hold made by Admit waits for its Settle before
	// a later Admit, Settle or Credits of the workspace settles it at its
	// estimate. Zero means DefaultHoldTTL; it is measured on the store's
	// clock, with microsecond resolution.
	HoldTTL time.Duration
	// RequestRetention is how long the per-request audit trail (Requests)
	// and webhook deliveries are kept. Zero means DefaultRequestRetention;
	// millisecond resolution.
	RequestRetention time.Duration
}

// Store is a store.Store on Redis or Redis Cluster. It is safe for concurrent use.
type Store struct {
	c         Client
	owned     *redis.Client // closed by Close when New dialled it
	pipe      *pipeliner    // batches concurrent Admits
	now       func() time.Time
	holdTTL   int64         // µs
	retention int64         // ms
	done      chan struct{} // closed by Close: Revocations channels close
	closeOnce sync.Once
}

// New connects to Redis as o says and checks that it answers.
func New(ctx context.Context, o Options) (*Store, error) {
	if o.Timeout < 0 || o.HoldTTL < 0 || o.RequestRetention < 0 {
		return nil, fmt.Errorf("redisstore: negative timeout %v, hold TTL %v or request retention %v: want 0 (default) or more",
			o.Timeout, o.HoldTTL, o.RequestRetention)
	}
	s := &Store{c: o.Client, now: o.Now, holdTTL: DefaultHoldTTL.Microseconds(),
		retention: DefaultRequestRetention.Milliseconds(), done: make(chan struct{})}
	if o.HoldTTL > 0 {
		s.holdTTL = max(o.HoldTTL.Microseconds(), 1)
	}
	if o.RequestRetention > 0 {
		s.retention = max(o.RequestRetention.Milliseconds(), 1)
	}
	switch {
	case o.Client != nil && o.URL != "":
		return nil, errors.New("redisstore: set either URL or Client, not both")
	case o.Client == nil:
		if o.URL == "" {
			return nil, errors.New("redisstore: no URL or Client")
		}
		ro, err := redis.ParseURL(o.URL)
		if err != nil {
			return nil, fmt.Errorf("redisstore: bad URL: %w", err)
		}
		t := o.Timeout
		if t == 0 {
			t = DefaultTimeout
		}
		ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout, ro.PoolTimeout = t, t, t, t
		// Retries (of commands, and go-redis's default of 5 dials 100 ms apart)
		// would let a request wait several times Timeout.
		ro.MaxRetries, ro.DialerRetries = -1, 1
		s.owned = redis.NewClient(ro)
		s.c = s.owned
	}
	s.pipe = newPipeliner(s.c)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

// Close closes every Revocations channel and the client New dialled; a
// client passed in Options stays open.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	if s.pipe != nil {
		s.pipe.stop()
	}
	if s.owned != nil {
		return s.owned.Close()
	}
	return nil
}

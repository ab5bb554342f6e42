package limiter

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tollgate-dev/tollgate/token"
)

// maxLocalEntries bounds the memory of degraded-mode limiters; past it the
// table is cleared, which at worst restarts some tokens' buckets.
const maxLocalEntries = 100_000

// localLimits are the per-token limits used while the store is unreachable
// and rate limits fail open: a token bucket per token hash refilling at
// rpm/60 per second with a burst of rpm/6 (ten seconds' worth). They hold per
// replica only, so operators divide the limit by the replica count
// (store.local_limit_divisor).
type localLimits struct {
	rpm int64
	mu  sync.Mutex
	m   map[token.Hash]*rate.Limiter
}

func newLocalLimits(rpm int64) *localLimits {
	return &localLimits{rpm: rpm, m: make(map[token.Hash]*rate.Limiter)}
}

func (l *localLimits) decide(h token.Hash, now time.Time, d *Decision) {
	l.mu.Lock()
	lim := l.m[h]
	if lim == nil {
		if len(l.m) >= maxLocalEntries {
			clear(l.m)
		}
		burst := max(int(l.rpm/6), 1)
		lim = rate.NewLimiter(rate.Limit(float64(l.rpm)/60), burst)
		l.m[h] = lim
	}
	r := lim.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if delay > 0 {
		r.CancelAt(now) // only admitted requests are counted
	}
	tokens := lim.TokensAt(now)
	l.mu.Unlock()

	d.Scope, d.Limit = ScopeMember, l.rpm
	d.Remaining = max(int64(tokens), 0)
	d.Reset = time.Duration(float64(time.Minute) / float64(l.rpm))
	if delay > 0 {
		d.Outcome, d.RetryAfter, d.Reset = Limited, delay, delay
	}
}

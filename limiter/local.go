package limiter

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLocalEntries bounds the memory of degraded-mode limiters; past it the
// table is cleared, which at worst restarts some tokens' buckets.
const maxLocalEntries = 100_000

// localLimits are the limits used while the store is unreachable and rate
// limits fail open: a token bucket per workspace refilling at rpm/60 per
// second with a burst of rpm/6 (ten seconds' worth), per replica
// (store.local_rpm). They are keyed by workspace, not by token: while auth
// fails open any well-formed token passes, and minting fresh tokens for one
// workspace must not mint fresh buckets.
type localLimits struct {
	rpm int64
	mu  sync.Mutex
	m   map[string]*rate.Limiter
}

func newLocalLimits(rpm int64) *localLimits {
	return &localLimits{rpm: rpm, m: make(map[string]*rate.Limiter)}
}

func (l *localLimits) decide(ws string, now time.Time, d *Decision) {
	l.mu.Lock()
	lim := l.m[ws]
	if lim == nil {
		if len(l.m) >= maxLocalEntries {
			clear(l.m)
		}
		burst := max(int(l.rpm/6), 1)
		lim = rate.NewLimiter(rate.Limit(float64(l.rpm)/60), burst)
		l.m[strings.Clone(ws)] = lim // ws aliases the request
	}
	r := lim.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if delay > 0 {
		r.CancelAt(now) // only admitted requests are counted
	}
	tokens := lim.TokensAt(now)
	l.mu.Unlock()

	d.Scope, d.Limit = ScopeWorkspace, l.rpm
	d.Remaining = max(int64(tokens), 0)
	d.Reset = time.Duration(float64(time.Minute) / float64(l.rpm))
	if delay > 0 {
		d.Outcome, d.RetryAfter, d.Reset = Limited, delay, delay
	}
}

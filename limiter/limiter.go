package limiter

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Admitter is the one store method the limiter needs: an atomic admission
// decision in one round trip. store.Store satisfies it. Implementations must
// bound their own latency (the Redis store sets client timeouts), so that the
// limiter needs no per-request context or timer.
type Admitter interface {
	Admit(ctx context.Context, r *Request, d *Decision) error
}

// Observer receives the limiter's measurements; metrics.Metrics satisfies it.
type Observer interface {
	ObserveStore(op string, d time.Duration, err error)
	SetDegraded(check string, on bool)
}

// Checks that can fail open when the store cannot decide.
const (
	CheckAuth      = "auth"       // token and member status, upstream permission
	CheckRateLimit = "rate_limit" // shared rate limits
	CheckCredits   = "credits"    // balance and monthly caps (requests with an estimate)
)

// FailOpen says, per check, whether a request is admitted when the store
// cannot decide. The zero value fails closed on every check. A request is
// admitted in degraded mode only when every check that applies fails open.
type FailOpen struct {
	Auth      bool
	RateLimit bool
	// Credits admits a request that reserves money (Request.Hold.Credits >
	// 0) while the store is down. Money checks fail closed by default: a
	// degraded decision holds nothing and checks no balance or cap, so an
	// unreachable store would otherwise let spending run unchecked. A
	// request with no estimate (metering off, or nothing to charge) needs
	// only Auth and RateLimit. The usage of a degraded request is settled
	// without a hold once the store answers (store.Money.Settle).
	Credits bool
}

// Options configure a Limiter. The zero value is usable: fail closed, a
// breaker that opens after 5 consecutive failures for 2 seconds.
type Options struct {
	BreakerFailures uint32        // consecutive store failures that open the breaker; 0 means 5
	BreakerCooldown time.Duration // how long the breaker stays open before a probe; 0 means 2s
	FailOpen        FailOpen
	LocalRPM        int64 // per-workspace requests per minute while degraded; 0 means DefaultMemberRPM
	Observer        Observer
	Logger          *slog.Logger
	Now             func() time.Time // clock for degraded-mode limits; nil means time.Now
}

// Limiter decides admission through the store, behind a circuit breaker,
// and applies the operator's fail-open choices when the store cannot answer.
// It is safe for concurrent use. It never returns an error: a store that
// cannot decide yields Outcome Unavailable, or an Allowed decision with
// Degraded set when every check fails open.
type Limiter struct {
	store    Admitter
	breaker  *gobreaker.CircuitBreaker[struct{}]
	failOpen FailOpen
	local    *localLimits
	obs      Observer
	log      *slog.Logger
	now      func() time.Time
	degraded atomic.Bool
}

// AdmitFunc adapts a function to Admitter.
type AdmitFunc func(ctx context.Context, r *Request, d *Decision) error

// Admit calls f.
func (f AdmitFunc) Admit(ctx context.Context, r *Request, d *Decision) error { return f(ctx, r, d) }

// New returns a Limiter over store.
func New(store Admitter, o Options) *Limiter {
	if o.BreakerFailures == 0 {
		o.BreakerFailures = 5
	}
	if o.BreakerCooldown == 0 {
		o.BreakerCooldown = 2 * time.Second
	}
	if o.LocalRPM == 0 {
		o.LocalRPM = DefaultMemberRPM
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Limiter{store: store, failOpen: o.FailOpen, local: newLocalLimits(o.LocalRPM), obs: o.Observer, log: o.Logger, now: o.Now}
	failures := o.BreakerFailures
	l.breaker = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "store",
		Timeout:     o.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			l.log.Warn("limiter: store circuit breaker changed state", "from", from.String(), "to", to.String())
		},
	})
	return l
}

// Admit decides on r and fills d.
func (l *Limiter) Admit(ctx context.Context, r *Request, d *Decision) {
	d.Clear()
	start := time.Now()
	_, err := l.breaker.Execute(func() (struct{}, error) {
		return struct{}{}, l.store.Admit(ctx, r, d)
	})
	if !errors.Is(err, gobreaker.ErrOpenState) && !errors.Is(err, gobreaker.ErrTooManyRequests) {
		l.obs.ObserveStore("admit", time.Since(start), err)
	}
	if err == nil {
		if l.degraded.Load() {
			l.setDegraded(false, nil)
		}
		return
	}
	if !l.degraded.Load() {
		l.setDegraded(true, err)
	}
	l.decideDegraded(r, d)
}

// Degraded reports whether the last store call failed.
func (l *Limiter) Degraded() bool { return l.degraded.Load() }

// decideDegraded fills d when the store could not decide.
func (l *Limiter) decideDegraded(r *Request, d *Decision) {
	d.Clear()
	if !l.failOpen.Auth || !l.failOpen.RateLimit || (r.Hold.Credits > 0 && !l.failOpen.Credits) {
		d.Outcome = Unavailable
		return
	}
	d.Degraded = true
	d.UpstreamRev = -1 // unknown: the caller uses the last upstream it knew
	l.local.decide(r.Workspace, l.now(), d)
}

func (l *Limiter) setDegraded(on bool, err error) {
	if l.degraded.Swap(on) == on {
		return
	}
	for _, c := range []struct {
		name string
		open bool
	}{{CheckAuth, l.failOpen.Auth}, {CheckRateLimit, l.failOpen.RateLimit}, {CheckCredits, l.failOpen.Credits}} {
		l.obs.SetDegraded(c.name, on)
		if on {
			mode := "closed"
			if c.open {
				mode = "open"
			}
			l.log.Error("limiter: store unavailable, check is degraded", "check", c.name, "fails", mode, "err", err)
		}
	}
	if !on {
		l.log.Info("limiter: store answers again, degraded mode over")
	}
}

type nopObserver struct{}

func (nopObserver) ObserveStore(string, time.Duration, error) {}
func (nopObserver) SetDegraded(string, bool)                  {}

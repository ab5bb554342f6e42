package limiter

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var errDown = errors.New("store down")

type recorder struct {
	mu       sync.Mutex
	degraded map[string]bool
	errs     int
}

func (r *recorder) ObserveStore(_ string, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
	}
}

func (r *recorder) SetDegraded(check string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.degraded == nil {
		r.degraded = map[string]bool{}
	}
	r.degraded[check] = on
}

// TestFailsClosedByDefault: an unreachable store yields 503, never an allow.
func TestFailsClosedByDefault(t *testing.T) {
	rec := &recorder{}
	l := New(AdmitFunc(func(context.Context, *Request, *Decision) error { return errDown }), Options{Observer: rec})
	var d Decision
	l.Admit(context.Background(), &Request{}, &d)
	if d.Outcome != Unavailable || d.Degraded {
		t.Fatalf("decision = %+v, want Unavailable", d)
	}
	if !rec.degraded[CheckAuth] || !rec.degraded[CheckRateLimit] || rec.errs != 1 {
		t.Fatalf("observer = %+v", rec)
	}
}

// TestFailOpenNeedsEveryCheckOpen: one closed check keeps the gateway closed.
func TestFailOpenNeedsEveryCheckOpen(t *testing.T) {
	l := New(AdmitFunc(func(context.Context, *Request, *Decision) error { return errDown }),
		Options{FailOpen: FailOpen{Auth: true}})
	var d Decision
	l.Admit(context.Background(), &Request{}, &d)
	if d.Outcome != Unavailable {
		t.Fatalf("outcome = %v, want Unavailable", d.Outcome)
	}
}

// TestFailOpenAppliesLocalLimits: fully open, requests pass under a local
// per-workspace token bucket (rpm 12: burst 2, then one every 5 s) and say
// they are degraded.
func TestFailOpenAppliesLocalLimits(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(AdmitFunc(func(context.Context, *Request, *Decision) error { return errDown }),
		Options{FailOpen: FailOpen{Auth: true, RateLimit: true}, LocalRPM: 12, Now: func() time.Time { return now }})
	var d Decision
	r := &Request{Workspace: "wsp000000001"}
	for i := 0; i < 2; i++ {
		l.Admit(context.Background(), r, &d)
		if d.Outcome != Allowed || !d.Degraded || d.UpstreamRev != -1 {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	for i := 0; i < 3; i++ { // denied retries are not counted
		l.Admit(context.Background(), r, &d)
		if d.Outcome != Limited || d.RetryAfter != 5*time.Second {
			t.Fatalf("over local limit: %+v", d)
		}
	}
	now = now.Add(5 * time.Second)
	l.Admit(context.Background(), r, &d)
	if d.Outcome != Allowed {
		t.Fatalf("after refill: %+v", d)
	}
	// Another token of the same workspace shares the bucket: minting tokens
	// (the checksum is public) does not mint fresh bursts.
	forged := &Request{Workspace: r.Workspace, TokenHash: [32]byte{1}}
	if l.Admit(context.Background(), forged, &d); d.Outcome != Limited {
		t.Fatalf("a second token of the workspace got a fresh bucket: %+v", d)
	}
	other := &Request{Workspace: "otherwsp0001"}
	if l.Admit(context.Background(), other, &d); d.Outcome != Allowed {
		t.Fatalf("another workspace is limited by the first one's bucket: %+v", d)
	}
}

// TestBreakerStopsCallingDeadStoreAndRecovers: after the configured failures
// the store is not called at all until the cooldown passes; a healthy probe
// closes the breaker and clears degraded mode.
func TestBreakerStopsCallingDeadStoreAndRecovers(t *testing.T) {
	var calls atomic.Int64
	var healthy atomic.Bool
	rec := &recorder{}
	l := New(AdmitFunc(func(context.Context, *Request, *Decision) error {
		calls.Add(1)
		if healthy.Load() {
			return nil
		}
		return errDown
	}), Options{BreakerFailures: 3, BreakerCooldown: 20 * time.Millisecond, Observer: rec})
	var d Decision
	for i := 0; i < 10; i++ {
		l.Admit(context.Background(), &Request{}, &d)
	}
	if got := calls.Load(); got != 3 {
		t.Fatalf("store called %d times, want 3 (breaker open after 3)", got)
	}
	healthy.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.Admit(context.Background(), &Request{}, &d)
		if d.Outcome == Allowed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("breaker never let a probe through")
		}
	}
	if l.Degraded() || rec.degraded[CheckAuth] {
		t.Fatal("still degraded after recovery")
	}
}

func BenchmarkLimiterAdmit(b *testing.B) {
	b.ReportAllocs()
	l := New(AdmitFunc(func(_ context.Context, _ *Request, d *Decision) error { d.Outcome = Allowed; return nil }), Options{})
	r := &Request{Workspace: "ws", Upstream: "openai"}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		var d Decision
		for pb.Next() {
			l.Admit(ctx, r, &d)
		}
	})
}

// TestDegradedMoneyFailsClosed: with auth and rate limits open, a request
// that reserves credits is still refused (503) while the store is down,
// because no balance or cap can be checked; a free request passes, and
// FailOpen.Credits lets the paid one through without a hold.
func TestDegradedMoneyFailsClosed(t *testing.T) {
	down := AdmitFunc(func(context.Context, *Request, *Decision) error { return errDown })
	paid := &Request{Workspace: "wsp000000001", RequestID: "r1", Hold: Hold{Credits: 5, Input: 10, Output: 10}}
	free := &Request{Workspace: "wsp000000001", RequestID: "r2"}
	var d Decision
	l := New(down, Options{FailOpen: FailOpen{Auth: true, RateLimit: true}})
	l.Admit(context.Background(), paid, &d)
	if d.Outcome != Unavailable {
		t.Fatalf("paid request while degraded: %+v, want Unavailable", d)
	}
	l.Admit(context.Background(), free, &d)
	if d.Outcome != Allowed || !d.Degraded {
		t.Fatalf("free request while degraded: %+v, want a degraded allow", d)
	}
	rec := &recorder{}
	open := New(down, Options{FailOpen: FailOpen{Auth: true, RateLimit: true, Credits: true}, Observer: rec})
	open.Admit(context.Background(), paid, &d)
	if d.Outcome != Allowed || !d.Degraded || d.Held != (Hold{}) {
		t.Fatalf("paid request with fail_open.credits: %+v, want a degraded allow holding nothing", d)
	}
	if !rec.degraded[CheckCredits] {
		t.Fatalf("credits check not reported degraded: %+v", rec.degraded)
	}
}

package embedded_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// benchFixture has every limit on, so Admit does all its work, and limits
// high enough that the fixed clock never exhausts them.
func benchFixture(b *testing.B) *fixture {
	f := newFixture(b, store.Limits{MemberRPM: 1 << 60, KeyRPM: 1 << 60, WorkspaceRPM: 1 << 60})
	f.member.RPM = 1 << 60
	must(b, f.s.PutMember(f.ctx, f.member))
	return f
}

// BenchmarkAdmit measures the allowed path of a member token: map lookups,
// three checks, two counters. It must report 0 allocs/op.
func BenchmarkAdmit(b *testing.B) {
	f := benchFixture(b)
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai"}
	var d limiter.Decision
	b.ReportAllocs()
	for b.Loop() {
		if err := f.s.Admit(f.ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
			b.Fatalf("%v %+v", err, d)
		}
	}
}

// BenchmarkAdmitParallel measures contention: every goroutine admits on the
// same workspace, half with a member token and half with a key.
func BenchmarkAdmitParallel(b *testing.B) {
	f := benchFixture(b)
	key := f.newToken(token.Key, func(t *store.Token) { t.Upstreams = []string{"anthropic", "openai"} })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai"}
		rk := limiter.Request{Workspace: f.ws, TokenHash: key.Hash, Upstream: "openai"}
		var d limiter.Decision
		for i := 0; pb.Next(); i++ {
			req := &r
			if i%2 == 1 {
				req = &rk
			}
			if err := f.s.Admit(f.ctx, req, &d); err != nil || d.Outcome != limiter.Allowed {
				b.Fatalf("%v %+v", err, d)
			}
		}
	})
}

// moneyBenchFixture is benchFixture with every money check on: member and
// workspace token limits, the member's monthly cap and a large balance.
func moneyBenchFixture(b *testing.B) *fixture {
	f := newFixture(b, store.Limits{MemberRPM: 1 << 60, WorkspaceRPM: 1 << 60, MemberTPM: 1 << 60, WorkspaceTPM: 1 << 60,
		MemberMonthlyCredits: 1 << 60})
	f.member.RPM = 1 << 60
	must(b, f.s.PutMember(f.ctx, f.member))
	f.topUp(1 << 50)
	return f
}

// BenchmarkAdmitMoneyChecks measures the allowed path with every money
// check on and a zero Hold: it must still report 0 allocs/op.
func BenchmarkAdmitMoneyChecks(b *testing.B) {
	f := moneyBenchFixture(b)
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai", RequestID: "free"}
	var d limiter.Decision
	b.ReportAllocs()
	for b.Loop() {
		if err := f.s.Admit(f.ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
			b.Fatalf("%v %+v", err, d)
		}
	}
}

// BenchmarkAdmitHold measures admission that holds credits and tokens
// against every money check. Every 4096 holds are settled with the timer
// stopped, so the hold table stays at its working size.
func BenchmarkAdmitHold(b *testing.B) {
	f := moneyBenchFixture(b)
	ids := make([]string, 4096)
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai",
		Hold: limiter.Hold{Credits: 1000, Input: 100, Output: 100}}
	var d limiter.Decision
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		n := i % len(ids)
		if n == 0 {
			b.StopTimer()
			if i > 0 {
				settleAll(b, f, ids)
			}
			for j := range ids {
				ids[j] = fmt.Sprintf("r%d", i+j)
			}
			b.StartTimer()
		}
		r.RequestID = ids[n]
		if err := f.s.Admit(f.ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
			b.Fatalf("%v %+v", err, d)
		}
	}
}

// settleAll settles ids concurrently.
func settleAll(b *testing.B, f *fixture, ids []string) {
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if _, err := f.settle(f.tok, id, "", 900, store.Tokens{Input: 90}); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkSettle measures one admission with a hold and its Settle, one
// after the other: a Settle alone waits for its own commit (the batch delay
// and an fsync).
func BenchmarkSettle(b *testing.B) {
	f := moneyBenchFixture(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("r%d", i)
		f.holdReq(f.tok, id, "", limiter.Hold{Credits: 1000, Input: 100})
		if r, err := f.settle(f.tok, id, "", 900, store.Tokens{Input: 90}); err != nil || !r.Settled {
			b.Fatalf("%v %+v", err, r)
		}
	}
}

// BenchmarkSettleParallel measures admission and Settle from many
// goroutines on one workspace: concurrent Settles share commits.
func BenchmarkSettleParallel(b *testing.B) {
	f := moneyBenchFixture(b)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("r%d", n.Add(1))
			var d limiter.Decision
			r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai", RequestID: id,
				Hold: limiter.Hold{Credits: 1000, Input: 100}}
			if err := f.s.Admit(f.ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
				b.Errorf("%v %+v", err, d)
				return
			}
			if res, err := f.settle(f.tok, id, "", 900, store.Tokens{Input: 90}); err != nil || !res.Settled {
				b.Errorf("%v %+v", err, res)
				return
			}
		}
	})
}

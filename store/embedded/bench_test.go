package embedded_test

import (
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

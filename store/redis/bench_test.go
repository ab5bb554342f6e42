package redisstore_test

import (
	"context"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

// BenchmarkAdmit measures one admission (one EVALSHA) with Redis TIME as the clock.
func BenchmarkAdmit(b *testing.B) {
	srv := redistest.Start(b)
	s := open(b, srv, redisstore.Options{})
	f := seed(b, s)
	r := limiter.Request{Workspace: f.ws, TokenHash: f.member.Hash, Upstream: f.upstream}
	ctx := context.Background()
	b.Run("Serial", func(b *testing.B) {
		b.ReportAllocs()
		var d limiter.Decision
		for b.Loop() {
			if err := s.Admit(ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
				b.Fatalf("%+v %v", d, err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var d limiter.Decision
			for pb.Next() {
				if err := s.Admit(ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
					b.Errorf("%+v %v", d, err)
					return
				}
			}
		})
	})
}

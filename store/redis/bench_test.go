package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
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

// benchIDs returns n fresh request ids, made before the timed loop.
func benchIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newRID()
	}
	return ids
}

// BenchmarkAdmitMoney measures one admission that checks every money limit
// (token limits, monthly caps including per model, the balance) and makes
// a hold, with Redis TIME as the clock.
func BenchmarkAdmitMoney(b *testing.B) {
	srv := redistest.Start(b)
	s := open(b, srv, redisstore.Options{})
	f := seedMoney(b, s)
	ids := benchIDs(1 << 18)
	ctx := context.Background()
	h := limiter.Hold{Credits: 100, Input: 500, Output: 500}
	var next atomic.Int64
	b.Run("Serial", func(b *testing.B) {
		b.ReportAllocs()
		var d limiter.Decision
		for b.Loop() {
			r := limiter.Request{Workspace: f.ws, TokenHash: f.key.Hash, Upstream: f.upstream, Model: moneyModel,
				RequestID: ids[next.Add(1)%int64(len(ids))], Hold: h}
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
				r := limiter.Request{Workspace: f.ws, TokenHash: f.key.Hash, Upstream: f.upstream, Model: moneyModel,
					RequestID: ids[next.Add(1)%int64(len(ids))], Hold: h}
				if err := s.Admit(ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
					b.Errorf("%+v %v", d, err)
					return
				}
			}
		})
	})
}

// BenchmarkSettle measures one settlement (one EVALSHA): of a request
// without a hold ("NoHold"), and an admission with a hold followed by its
// settlement ("AdmitAndSettle", to compare with BenchmarkAdmitMoney).
func BenchmarkSettle(b *testing.B) {
	srv := redistest.Start(b)
	s := open(b, srv, redisstore.Options{})
	f := seedMoney(b, s)
	ids := benchIDs(1 << 18)
	ctx := context.Background()
	var next atomic.Int64
	settlement := func(rid string) store.Settlement {
		return store.Settlement{Workspace: f.ws, RequestID: rid, Cost: 90, Record: store.RequestRecord{RequestID: rid,
			TokenID: f.key.ID, MemberID: f.key.MemberID, Kind: "key", Method: "POST", Route: "/openai/v1/chat",
			Upstream: f.upstream, Model: moneyModel, Status: 200, Tokens: store.Tokens{Input: 400, Output: 300}, Cost: 90}}
	}
	b.Run("NoHold", func(b *testing.B) {
		b.ReportAllocs()
		var r store.SettleResult
		for b.Loop() {
			st := settlement(ids[next.Add(1)%int64(len(ids))])
			if err := s.Settle(ctx, &st, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AdmitAndSettle", func(b *testing.B) {
		b.ReportAllocs()
		var d limiter.Decision
		var r store.SettleResult
		for b.Loop() {
			rid := ids[next.Add(1)%int64(len(ids))]
			q := limiter.Request{Workspace: f.ws, TokenHash: f.key.Hash, Upstream: f.upstream, Model: moneyModel,
				RequestID: rid, Hold: limiter.Hold{Credits: 100, Input: 500, Output: 500}}
			if err := s.Admit(ctx, &q, &d); err != nil || d.Outcome != limiter.Allowed {
				b.Fatalf("%+v %v", d, err)
			}
			st := settlement(rid)
			if err := s.Settle(ctx, &st, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AdmitAndSettleParallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var d limiter.Decision
			var r store.SettleResult
			for pb.Next() {
				rid := ids[next.Add(1)%int64(len(ids))]
				q := limiter.Request{Workspace: f.ws, TokenHash: f.key.Hash, Upstream: f.upstream, Model: moneyModel,
					RequestID: rid, Hold: limiter.Hold{Credits: 100, Input: 500, Output: 500}}
				if err := s.Admit(ctx, &q, &d); err != nil || d.Outcome != limiter.Allowed {
					b.Errorf("%+v %v", d, err)
					return
				}
				st := settlement(rid)
				if err := s.Settle(ctx, &st, &r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

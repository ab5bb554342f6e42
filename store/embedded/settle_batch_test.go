package embedded_test

import (
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// other returns a second workspace of f's store with its own member token,
// upstream "openai" and credits, as a fixture.
func (f *fixture) other(credits int64) *fixture {
	f.t.Helper()
	o := *f
	o.ws = token.NewID()
	must(f.t, f.s.CreateWorkspace(f.ctx, &store.Workspace{ID: o.ws, Name: "other", Limits: store.Limits{MemberRPM: 1 << 30}}))
	o.member = &store.Member{ID: token.NewID(), WorkspaceID: o.ws, Email: "b@example.com", Role: "member", Status: store.MemberActive}
	must(f.t, f.s.PutMember(f.ctx, o.member))
	o.tok = o.newToken(token.Member, nil)
	must(f.t, f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: o.ws, Name: "openai", BaseURL: "https://api.openai.com/v1", Kind: store.KindLLM}))
	o.topUp(credits)
	return &o
}

// TestSettleBatchesInOppositeOrdersFinish: two batches settling the same
// held requests of two workspaces in opposite orders both finish (a batch
// never waits for another while it keeps holds claimed, so no two can wait
// for each other), and each request is charged exactly once.
func TestSettleBatchesInOppositeOrdersFinish(t *testing.T) {
	a := newFixture(t, store.Limits{MemberRPM: 1 << 30})
	a.topUp(1000 * credit)
	b := a.other(1000 * credit)
	const rounds = 200
	for i := range rounds {
		x, y := token.NewID(), token.NewID()
		a.holdReq(a.tok, x, "", limiter.Hold{Credits: 2 * credit})
		b.holdReq(b.tok, y, "", limiter.Hold{Credits: 2 * credit})
		sx := store.Settlement{Workspace: a.ws, RequestID: x, Cost: credit, Record: store.RequestRecord{TokenID: a.tok.ID}}
		sy := store.Settlement{Workspace: b.ws, RequestID: y, Cost: credit, Record: store.RequestRecord{TokenID: b.tok.ID}}
		var wg sync.WaitGroup
		var r1, r2 [2]store.SettleResult
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			must(t, a.s.SettleBatch(a.ctx, []*store.Settlement{&sx, &sy}, r1[:]))
		})
		wg.Go(func() {
			<-start
			must(t, a.s.SettleBatch(a.ctx, []*store.Settlement{&sy, &sx}, r2[:]))
		})
		close(start)
		wg.Wait()
		if r1[0].Settled == r2[1].Settled || r1[1].Settled == r2[0].Settled {
			t.Fatalf("round %d: results %+v and %+v, want each request settled by exactly one batch", i, r1, r2)
		}
	}
	for _, f := range []*fixture{a, b} {
		c, err := f.s.Credits(f.ctx, f.ws)
		must(t, err)
		if c.Balance != (1000-rounds)*credit || c.Held != 0 {
			t.Fatalf("credits %+v, want balance %d and nothing held", c, (1000-rounds)*credit)
		}
	}
}

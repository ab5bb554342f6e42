package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// RunUpstreamUpdate runs the contract of UpdateUpstream, the replace-if-
// present that upstream edits rely on: a missing upstream is
// store.ErrNotFound and is not created, an update is seen by GetUpstream and
// the next Admit with a new upstream revision, and an update racing a
// delete never brings the upstream back. RunAll runs it.
func RunUpstreamUpdate(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, upstreamUpdateCases, plain)
}

var upstreamUpdateCases = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"UpdateMissingIsNotFoundAndCreatesNothing", testUpdateUpstreamMissing},
	{"UpdateSeenByGetAndAdmitWithNewRevision", testUpdateUpstreamSeen},
	{"ConcurrentUpdateAndDeleteNeverResurrects", testUpdateDeleteNoResurrection},
}

// testUpdateUpstreamMissing: a never-made upstream, a deleted one, one of
// another workspace and one in an unknown workspace all report ErrNotFound,
// and none is created nor is the revision bumped.
func testUpdateUpstreamMissing(t *testing.T, e *env) {
	e.upstream("gone")
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "gone"); err != nil {
		t.Fatal(err)
	}
	other := e.workspace(store.Limits{})
	e.upstream("elsewhere") // in the new env workspace, not in other
	_, before, err := e.s.UpstreamNames(e.ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"never", "gone"} {
		u := e.newUpstream(name, "sk-resurrected")
		u.WorkspaceID = other
		if err := e.s.UpdateUpstream(e.ctx, u); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UpdateUpstream of %q: %v, want ErrNotFound", name, err)
		}
	}
	u := e.newUpstream("elsewhere", "sk-resurrected")
	u.WorkspaceID = other
	if err := e.s.UpdateUpstream(e.ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateUpstream in the wrong workspace: %v, want ErrNotFound", err)
	}
	names, after, err := e.s.UpstreamNames(e.ctx, other)
	if err != nil || len(names) != 0 || after != before {
		t.Fatalf("after refused updates: names %v, revision %d (was %d), %v; want none and unchanged",
			names, after, before, err)
	}
	u.WorkspaceID = token.NewID()
	if err := e.s.UpdateUpstream(e.ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateUpstream in an unknown workspace: %v, want ErrNotFound", err)
	}
}

// testUpdateUpstreamSeen: an update replaces every field, keeps the stored
// creation time when given none, is read back by GetUpstream and admitted
// by the next Admit with a new revision, the same GetUpstream reports.
func testUpdateUpstreamSeen(t *testing.T, e *env) {
	mt := e.tok(token.Member, e.member(0))
	e.upstream("openai")
	stored, before, err := e.s.GetUpstream(e.ctx, e.ws, "openai")
	if err != nil {
		t.Fatal(err)
	}
	u := &store.Upstream{WorkspaceID: e.ws, Name: "openai", BaseURL: "https://other.example.com/v2",
		Kind: store.KindMCP, AuthHeader: "X-Api-Key", Credential: "sk-rotated"}
	if err := e.s.UpdateUpstream(e.ctx, u); err != nil {
		t.Fatalf("UpdateUpstream: %v", err)
	}
	got, rev, err := e.s.GetUpstream(e.ctx, e.ws, "openai")
	if err != nil || got.BaseURL != u.BaseURL || got.Kind != store.KindMCP || got.AuthHeader != "X-Api-Key" ||
		got.AuthScheme != "" || got.Credential != "sk-rotated" || !got.CreatedAt.Equal(stored.CreatedAt) {
		t.Fatalf("after update read %+v, %v; want the new fields and the stored creation time", got, err)
	}
	if rev == before {
		t.Fatalf("upstream revision %d unchanged by UpdateUpstream", rev)
	}
	d := e.admit(mt, "openai")
	expect(t, d, limiter.Allowed, "after update")
	if d.UpstreamRev != rev {
		t.Fatalf("Admit revision %d after update, GetUpstream says %d", d.UpstreamRev, rev)
	}
	all, err := e.s.ListUpstreams(e.ctx, e.ws)
	if err != nil || len(all) != 1 || all[0].Credential != "sk-rotated" {
		t.Fatalf("ListUpstreams after update: %d upstreams, %v; want the one updated", len(all), err)
	}
}

// testUpdateDeleteNoResurrection: many updates race one delete of the same
// upstream. The delete always wins its step, each update either lands before
// it or reports ErrNotFound, and afterwards the upstream is gone from every
// read and from admission.
func testUpdateDeleteNoResurrection(t *testing.T, e *env) {
	const updaters = 8
	mt := e.tok(token.Member, e.member(0))
	for round := range 20 {
		e.upstream("contended")
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, updaters+1)
		for i := range updaters {
			wg.Go(func() {
				u := e.newUpstream("contended", "sk-update")
				<-start
				errs[i] = e.s.UpdateUpstream(e.ctx, u)
			})
		}
		wg.Go(func() {
			<-start
			errs[updaters] = e.s.DeleteUpstream(e.ctx, e.ws, "contended")
		})
		close(start)
		wg.Wait()
		if errs[updaters] != nil {
			t.Fatalf("round %d: DeleteUpstream: %v", round, errs[updaters])
		}
		for _, err := range errs[:updaters] {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("round %d: UpdateUpstream: %v, want nil or ErrNotFound", round, err)
			}
		}
		e.expectNoUpstream(t, round, mt, "contended")
	}
}

// expectNoUpstream fails unless name is absent from GetUpstream,
// UpstreamNames and admission.
func (e *env) expectNoUpstream(t *testing.T, round int, mt *store.Token, name string) {
	t.Helper()
	if got, _, err := e.s.GetUpstream(e.ctx, e.ws, name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("round %d: deleted upstream read back as %+v, %v: an update resurrected it", round, got, err)
	}
	names, _, err := e.s.UpstreamNames(e.ctx, e.ws)
	if err != nil || slices.Contains(names, name) {
		t.Fatalf("round %d: UpstreamNames %v, %v after delete; want %q gone", round, names, err, name)
	}
	expect(t, e.admit(mt, name), limiter.UpstreamUnknown, "after delete")
}

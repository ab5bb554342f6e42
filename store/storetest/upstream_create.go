package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// RunUpstreamCreate runs the contract of CreateUpstream, the create-if-absent
// that upstream registration and transfer rely on: a taken name is
// store.ErrExists and leaves the stored upstream alone, an unknown
// workspace is store.ErrNotFound, of concurrent creations of one name
// exactly one succeeds, and a creation is seen by the next Admit with a new
// upstream revision. RunAll runs it.
func RunUpstreamCreate(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, upstreamCreateCases, plain)
}

var upstreamCreateCases = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"CreateTakenNameExistsAndKeepsStored", testCreateUpstreamTaken},
	{"CreateInUnknownWorkspaceIsNotFound", testCreateUpstreamUnknownWorkspace},
	{"ConcurrentCreatesExactlyOneWins", testConcurrentCreateOneWins},
	{"CreateSeenByAdmitWithNewRevision", testCreateUpstreamAdmit},
}

// newUpstream returns an upstream record for the env workspace, not stored.
func (e *env) newUpstream(name, credential string) *store.Upstream {
	return &store.Upstream{WorkspaceID: e.ws, Name: name, BaseURL: "https://api.example.com/v1",
		Kind: store.KindLLM, Credential: credential, CreatedAt: e.clock.Now()}
}

// testCreateUpstreamTaken: creating over a stored name is ErrExists and the
// stored upstream keeps its credential; a free name is created.
func testCreateUpstreamTaken(t *testing.T, e *env) {
	e.upstream("taken")
	if err := e.s.CreateUpstream(e.ctx, e.newUpstream("taken", "sk-intruder")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateUpstream of a taken name: %v, want ErrExists", err)
	}
	got, _, err := e.s.GetUpstream(e.ctx, e.ws, "taken")
	if err != nil || got.Credential != "sk-test" {
		t.Fatalf("after refused create: upstream %+v, %v; want the stored credential kept", got, err)
	}
	if err := e.s.CreateUpstream(e.ctx, e.newUpstream("free", "sk-new")); err != nil {
		t.Fatalf("CreateUpstream of a free name: %v", err)
	}
	got, _, err = e.s.GetUpstream(e.ctx, e.ws, "free")
	if err != nil || got.Credential != "sk-new" || got.BaseURL != "https://api.example.com/v1" {
		t.Fatalf("created upstream read back as %+v, %v", got, err)
	}
	all, err := e.s.ListUpstreams(e.ctx, e.ws)
	if err != nil || len(all) != 2 {
		t.Fatalf("ListUpstreams after create: %d upstreams, %v; want 2", len(all), err)
	}
}

// testCreateUpstreamUnknownWorkspace: a workspace that does not exist is ErrNotFound.
func testCreateUpstreamUnknownWorkspace(t *testing.T, e *env) {
	u := e.newUpstream("openai", "sk")
	u.WorkspaceID = token.NewID()
	if err := e.s.CreateUpstream(e.ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateUpstream in an unknown workspace: %v, want ErrNotFound", err)
	}
}

// testConcurrentCreateOneWins: of 16 concurrent creations of one name,
// exactly one succeeds, every other is ErrExists, and the stored upstream
// is the winner's.
func testConcurrentCreateOneWins(t *testing.T, e *env) {
	const n = 16
	for round := 0; round < 5; round++ {
		name := "contended-" + string(rune('a'+round))
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := e.newUpstream(name, "sk-"+string(rune('a'+i)))
				<-start
				errs[i] = e.s.CreateUpstream(e.ctx, u)
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: creations %d and %d both succeeded", round, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, store.ErrExists):
				t.Fatalf("round %d: CreateUpstream: %v, want nil or ErrExists", round, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no creation succeeded", round)
		}
		got, _, err := e.s.GetUpstream(e.ctx, e.ws, name)
		if err != nil || got.Credential != "sk-"+string(rune('a'+winner)) {
			t.Fatalf("round %d: stored %+v, %v; want the winner's (%d) credential", round, got, err, winner)
		}
	}
}

// testCreateUpstreamAdmit: a created upstream is admitted at once, and the
// upstream revision differs from the one before the creation; a refused
// creation leaves the revision as it was.
func testCreateUpstreamAdmit(t *testing.T, e *env) {
	mt := e.tok(token.Member, e.member(0))
	expect(t, e.admit(mt, "openai"), limiter.UpstreamUnknown, "before create")
	e.upstream("other")
	_, before, err := e.s.GetUpstream(e.ctx, e.ws, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.CreateUpstream(e.ctx, e.newUpstream("openai", "sk")); err != nil {
		t.Fatal(err)
	}
	d := e.admit(mt, "openai")
	expect(t, d, limiter.Allowed, "after create")
	if d.UpstreamRev == before {
		t.Fatalf("upstream revision %d unchanged by CreateUpstream", before)
	}
	if err := e.s.CreateUpstream(e.ctx, e.newUpstream("openai", "sk-again")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second CreateUpstream: %v, want ErrExists", err)
	}
	if again := e.admit(mt, "openai"); again.UpstreamRev != d.UpstreamRev {
		t.Fatalf("refused CreateUpstream changed the revision from %d to %d", d.UpstreamRev, again.UpstreamRev)
	}
}

package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// RunUpstreamDelete runs the part of the contract that moving an upstream
// between workspaces relies on: DeleteUpstream reports store.ErrNotFound
// for a missing upstream, and of concurrent deletes of one upstream exactly
// one succeeds. RunAll runs it.
func RunUpstreamDelete(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, upstreamDeleteCases, plain)
}

var upstreamDeleteCases = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"DeleteMissingUpstreamIsNotFound", testDeleteMissingUpstream},
	{"ConcurrentDeletesExactlyOneWins", testConcurrentDeleteOneWins},
}

// testDeleteMissingUpstream: a never-made upstream, an already-deleted one
// and one in an unknown workspace all report ErrNotFound.
func testDeleteMissingUpstream(t *testing.T, e *env) {
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUpstream never made: %v, want ErrNotFound", err)
	}
	e.upstream("gone")
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUpstream twice: %v, want ErrNotFound", err)
	}
	other := e.workspace(store.Limits{})
	e.upstream("elsewhere")
	if err := e.s.DeleteUpstream(e.ctx, other, "elsewhere"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUpstream in the wrong workspace: %v, want ErrNotFound", err)
	}
}

// testConcurrentDeleteOneWins: delete is the linearization point of a
// move, so among many concurrent deletes of one upstream exactly one
// succeeds and every other reports ErrNotFound.
func testConcurrentDeleteOneWins(t *testing.T, e *env) {
	const n = 16
	for round := 0; round < 5; round++ {
		e.upstream("contended")
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = e.s.DeleteUpstream(e.ctx, e.ws, "contended")
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrNotFound):
				t.Fatalf("round %d: DeleteUpstream: %v, want nil or ErrNotFound", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d concurrent deletes succeeded, want exactly 1", round, wins)
		}
	}
}

package embedded_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TestToolPoliciesDurableAcrossRestart: policies and the revision their
// writes bumped are read back after Close and Open, so a restart neither
// loses a deny rule nor moves the route cache's revision backwards.
func TestToolPoliciesDurableAcrossRestart(t *testing.T) {
	f := newFixture(t, store.Limits{})
	keep := &store.ToolPolicy{WorkspaceID: f.ws, Upstream: "files", Scope: store.PolicyRolePrefix + store.RoleMember,
		Allow: []string{"read_*"}, Deny: []string{"read_secret"}, UpdatedAt: start}
	gone := &store.ToolPolicy{WorkspaceID: f.ws, Upstream: "files", Scope: store.PolicyAll, Deny: []string{"*"}, UpdatedAt: start}
	must(t, f.s.PutToolPolicy(f.ctx, keep))
	must(t, f.s.PutToolPolicy(f.ctx, gone))
	must(t, f.s.DeleteToolPolicy(f.ctx, f.ws, "files", store.PolicyAll))
	_, revBefore, err := f.s.UpstreamNames(f.ctx, f.ws)
	must(t, err)

	must(t, f.s.Close())
	f.open()

	got, err := f.s.ToolPolicies(f.ctx, f.ws, "")
	must(t, err)
	if len(got) != 1 || got[0].Scope != keep.Scope || !slices.Equal(got[0].Allow, keep.Allow) ||
		!slices.Equal(got[0].Deny, keep.Deny) || !got[0].UpdatedAt.Equal(start) {
		t.Fatalf("policies after reopen: %+v, want only %+v", got, keep)
	}
	if _, rev, _ := f.s.UpstreamNames(f.ctx, f.ws); rev != revBefore {
		t.Fatalf("upstream revision %d after reopen, want %d", rev, revBefore)
	}
}

// TestRevocationsSlowSubscriberDropsAndCounts: a subscriber that stops
// reading never blocks a writer; once its buffer is full each further
// revocation is dropped for it and counted, and a reading subscriber
// misses nothing.
func TestRevocationsSlowSubscriberDropsAndCounts(t *testing.T) {
	f := newFixture(t, store.Limits{})
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	slow, err := f.s.Revocations(ctx)
	must(t, err)
	fast, err := f.s.Revocations(ctx)
	must(t, err)
	const buffer, extra = 256, 44
	got := 0
	for range buffer + extra {
		must(t, f.s.RevokeToken(f.ctx, f.ws, f.tok.ID)) // each call publishes, even of a revoked token
		select {
		case <-fast: // published before RevokeToken returned
			got++
		default:
		}
	}
	if n := f.s.RevocationsDropped(); n != extra {
		t.Fatalf("RevocationsDropped = %d, want %d", n, extra)
	}
	if len(slow) != buffer || got != buffer+extra {
		t.Fatalf("slow subscriber holds %d, fast one read %d; want %d and %d", len(slow), got, buffer, buffer+extra)
	}
}

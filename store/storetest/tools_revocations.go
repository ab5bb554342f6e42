package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// feedDeadline bounds the wait for a revocation or for a feed to close: a
// deadline for a condition, not a measured latency (the gateway's tests
// measure that).
const feedDeadline = 10 * time.Second

// revocations subscribes to the store's feed until the test ends or cancel.
func (e *env) revocations() (<-chan store.Revocation, context.CancelFunc) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	e.t.Cleanup(cancel)
	ch, err := e.s.Revocations(ctx)
	if err != nil {
		e.t.Fatalf("Revocations: %v", err)
	}
	return ch, cancel
}

// nextRevocation returns the next revocation of workspace ws on ch,
// skipping other workspaces' (backends may share a server between tests).
func nextRevocation(t *testing.T, ch <-chan store.Revocation, ws string) store.Revocation {
	t.Helper()
	deadline := time.NewTimer(feedDeadline)
	defer deadline.Stop()
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatal("revocation feed closed while waiting for a revocation")
			}
			if r.Workspace == ws {
				return r
			}
		case <-deadline.C:
			t.Fatalf("no revocation of workspace %s within %v", ws, feedDeadline)
		}
	}
}

// wantRevocation fails unless the next revocation of want's workspace on ch is want.
func wantRevocation(t *testing.T, ch <-chan store.Revocation, what string, want store.Revocation) {
	t.Helper()
	if got := nextRevocation(t, ch, want.Workspace); got != want {
		t.Fatalf("%s: revocation %+v, want %+v", what, got, want)
	}
}

// waitClosed fails unless ch closes before the deadline; revocations still
// buffered are drained.
func waitClosed(t *testing.T, ch <-chan store.Revocation, what string) {
	t.Helper()
	deadline := time.NewTimer(feedDeadline)
	defer deadline.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline.C:
			t.Fatalf("revocation feed still open %v after %s", feedDeadline, what)
		}
	}
}

// testRevocationToken: RevokeToken publishes the token, so every replica
// closes its open streams; revoking it again publishes again (a repeat
// closes what a lost message left open).
func testRevocationToken(t *testing.T, e *env) {
	ch, _ := e.revocations()
	tk := e.tok(token.Member, e.member(0))
	for range 2 {
		if err := e.s.RevokeToken(e.ctx, e.ws, tk.ID); err != nil {
			t.Fatal(err)
		}
		wantRevocation(t, ch, "RevokeToken", store.Revocation{Workspace: e.ws, TokenID: tk.ID})
	}
}

// testRevocationRemoval: removing a member publishes the member (every
// token of it), and writes that leave it usable (a new member, a changed
// limit, a role change between usable roles) publish nothing: a key
// revoked after them is the first revocation seen, the removal the second.
func testRevocationRemoval(t *testing.T, e *env) {
	ch, _ := e.revocations()
	m := e.member(0)
	e.tok(token.Member, m)
	marker := e.tok(token.Key, m)
	m.RPM = 7
	e.putMember(m)
	m.Role = store.RoleAdmin
	e.putMember(m)
	if err := e.s.RevokeToken(e.ctx, e.ws, marker.ID); err != nil {
		t.Fatal(err)
	}
	wantRevocation(t, ch, "key revoked after writes that revoke nothing", store.Revocation{Workspace: e.ws, TokenID: marker.ID})
	m.Status = store.MemberRemoved
	e.putMember(m)
	wantRevocation(t, ch, "member removed", store.Revocation{Workspace: e.ws, MemberID: m.ID})
}

// testRevocationReader: a member made reader may no longer use the
// gateway, so it is published; removing the reader later publishes nothing
// more (its tokens were stopped already), as the token revoked after it is
// the next revocation seen.
func testRevocationReader(t *testing.T, e *env) {
	ch, _ := e.revocations()
	m := e.member(0)
	tk := e.tok(token.Member, m)
	m.Role = store.RoleReader
	e.putMember(m)
	wantRevocation(t, ch, "member made reader", store.Revocation{Workspace: e.ws, MemberID: m.ID})
	m.Status = store.MemberRemoved
	e.putMember(m)
	if err := e.s.RevokeToken(e.ctx, e.ws, tk.ID); err != nil {
		t.Fatal(err)
	}
	wantRevocation(t, ch, "token revoked after the reader's removal", store.Revocation{Workspace: e.ws, TokenID: tk.ID})
}

// testRevocationWorkspace: deleting a workspace publishes it whole (every
// token of it).
func testRevocationWorkspace(t *testing.T, e *env) {
	ch, _ := e.revocations()
	e.tok(token.Key, e.member(0))
	if err := e.s.DeleteWorkspace(e.ctx, e.ws); err != nil {
		t.Fatal(err)
	}
	wantRevocation(t, ch, "DeleteWorkspace", store.Revocation{Workspace: e.ws})
}

// testRevocationEverySubscriber: each subscriber (each replica) gets every
// revocation, not a share of them.
func testRevocationEverySubscriber(t *testing.T, e *env) {
	a, _ := e.revocations()
	b, _ := e.revocations()
	tk := e.tok(token.Key, e.member(0))
	if err := e.s.RevokeToken(e.ctx, e.ws, tk.ID); err != nil {
		t.Fatal(err)
	}
	want := store.Revocation{Workspace: e.ws, TokenID: tk.ID}
	wantRevocation(t, a, "first subscriber", want)
	wantRevocation(t, b, "second subscriber", want)
}

// testRevocationCtxEnd: the feed closes when its context ends, so a
// replica that stops listening leaks nothing; another subscription goes on.
func testRevocationCtxEnd(t *testing.T, e *env) {
	ch, cancel := e.revocations()
	kept, _ := e.revocations()
	cancel()
	waitClosed(t, ch, "its context ended")
	tk := e.tok(token.Key, e.member(0))
	if err := e.s.RevokeToken(e.ctx, e.ws, tk.ID); err != nil {
		t.Fatal(err)
	}
	wantRevocation(t, kept, "the subscription still open", store.Revocation{Workspace: e.ws, TokenID: tk.ID})
}

// testRevocationStoreClose: Close closes every feed, so a gateway shutting
// down is not left waiting on one, and a later Revocations fails.
func testRevocationStoreClose(t *testing.T, e *env) {
	ch, _ := e.revocations()
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch, "Close")
	if _, err := e.s.Revocations(e.ctx); err == nil {
		t.Fatal("Revocations after Close succeeded, want an error")
	}
}

// testAdmitRole: Admit reports a member token's role, as it is at that
// admission, for tool policies narrowed per role; a key has none.
func testAdmitRole(t *testing.T, e *env) {
	e.upstream("files")
	m := e.member(0)
	mt := e.tok(token.Member, m)
	key := e.tok(token.Key, m)
	for _, c := range []struct {
		role    string
		outcome limiter.Outcome
	}{
		{store.RoleMember, limiter.Allowed},
		{store.RoleAdmin, limiter.Allowed},
		{store.RoleReader, limiter.RoleForbidden},
	} {
		m.Role = c.role
		e.putMember(m)
		if d := e.admit(mt, "files"); d.Outcome != c.outcome || d.Role != c.role {
			t.Fatalf("member token as %s: %v role %q, want %v role %q", c.role, d.Outcome, d.Role, c.outcome, c.role)
		}
		if d := e.admit(key, "files"); d.Outcome != limiter.Allowed || d.Role != "" {
			t.Fatalf("key of a %s: %v role %q, want allowed with no role", c.role, d.Outcome, d.Role)
		}
	}
}

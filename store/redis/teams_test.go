package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// TestDeleteWorkspaceLeavesNoKey: after DeleteWorkspace no key of the
// workspace's tag is left, rate counters, invitations and audit included.
func TestDeleteWorkspaceLeavesNoKey(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	ctx, now := context.Background(), time.Now().UTC()
	for _, tk := range []*store.Token{f.member, f.key} {
		if d, err := f.admit(s, tk); err != nil || d.Outcome != limiter.Allowed {
			t.Fatalf("admit: %+v %v", d, err)
		}
	}
	inv := &store.Invitation{ID: token.NewID(), WorkspaceID: f.ws, Email: "i@example.com", Role: store.RoleMember,
		CodeHash: token.HashOf([]byte("code")), Status: store.InvitationPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.CreateInvitation(ctx, inv, 0, now))
	must(t, s.AppendAudit(ctx, &store.AuditEntry{ID: token.NewID(), WorkspaceID: f.ws, Time: now, Action: "x"}))
	c := rawClient(t, srv)
	pattern := "{w:" + f.ws + "}*"
	if keys, _ := c.Keys(ctx, pattern).Result(); len(keys) < 10 {
		t.Fatalf("seeded keys %v: want every kind", keys)
	}
	must(t, s.DeleteWorkspace(ctx, f.ws))
	keys, err := c.Keys(ctx, pattern).Result()
	must(t, err)
	if len(keys) != 0 {
		t.Fatalf("keys left after DeleteWorkspace: %v", keys)
	}
	if ok, _ := c.SIsMember(ctx, "tg:workspaces", f.ws).Result(); ok {
		t.Fatal("tg:workspaces still lists the workspace")
	}
}

// TestTeamsBadInput: invalid records are refused with an error naming the problem.
func TestTeamsBadInput(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	ctx, now := context.Background(), time.Now()
	for what, err := range map[string]error{
		"account email": s.CreateAccount(ctx, &store.Account{ID: token.NewID(), Email: "a b@example.com"}),
		"account id":    s.CreateAccount(ctx, &store.Account{ID: "a:b", Email: "a@example.com"}),
		"plan name":     s.PutPlan(ctx, &store.Plan{Name: "{x}"}),
		"invitation":    s.CreateInvitation(ctx, &store.Invitation{ID: token.NewID(), WorkspaceID: "bad"}, 0, now),
		"audit time":    s.AppendAudit(ctx, &store.AuditEntry{ID: token.NewID(), WorkspaceID: token.NewID()}),
	} {
		if err == nil {
			t.Errorf("%s: accepted, want an error", what)
		} else {
			t.Logf("%s: %v", what, err)
		}
	}
}

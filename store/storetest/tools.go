package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// RunTools runs the store.Tools part of the contract: tool policy CRUD,
// ordering, validation, the upstream revision bump of every write,
// isolation by workspace and removal with the workspace; the revocation
// feed (a revoked token, a removed member, a member made reader, a deleted
// workspace, nothing for other writes, every subscriber, closing on ctx end
// and on Close); and Decision.Role from Admit. RunAll runs it.
func RunTools(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, toolsCases, plain)
}

// toolsCases lists the store.Tools properties, each named for the property.
var toolsCases = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"ToolPolicyCRUDOrderedByUpstreamThenScope", testToolPolicyCRUD},
	{"ToolPolicyStoreKeepsItsOwnCopy", testToolPolicyCopy},
	{"ToolPolicyMalformedRefusedNamingTheField", testToolPolicyMalformed},
	{"ToolPolicyWritesBumpUpstreamRevision", testToolPolicyBumpsRevision},
	{"ToolPoliciesIsolatedByWorkspace", testToolPoliciesIsolated},
	{"DeleteWorkspaceRemovesToolPolicies", testToolPoliciesDeletedWithWorkspace},
	{"RevocationsDeliverRevokedToken", testRevocationToken},
	{"RevocationsDeliverMemberRemovalOnly", testRevocationRemoval},
	{"RevocationsDeliverRoleMadeReader", testRevocationReader},
	{"RevocationsDeliverWorkspaceDeletion", testRevocationWorkspace},
	{"RevocationsReachEverySubscriber", testRevocationEverySubscriber},
	{"RevocationsCloseWhenContextEnds", testRevocationCtxEnd},
	{"RevocationsCloseWhenStoreCloses", testRevocationStoreClose},
	{"AdmitFillsRoleForMemberTokensOnly", testAdmitRole},
}

// policy returns a policy of the env workspace, stamped with the clock.
func (e *env) policy(upstream, scope string, allow, deny []string) *store.ToolPolicy {
	return &store.ToolPolicy{WorkspaceID: e.ws, Upstream: upstream, Scope: scope,
		Allow: allow, Deny: deny, UpdatedAt: e.clock.Now()}
}

// putPolicy stores p and fails the test on error.
func (e *env) putPolicy(p *store.ToolPolicy) {
	e.t.Helper()
	if err := e.s.PutToolPolicy(e.ctx, p); err != nil {
		e.t.Fatalf("PutToolPolicy %s %q: %v", p.Upstream, p.Scope, err)
	}
}

// policies lists the policies of workspace ws on upstream.
func (e *env) policies(ws, upstream string) []store.ToolPolicy {
	e.t.Helper()
	ps, err := e.s.ToolPolicies(e.ctx, ws, upstream)
	if err != nil {
		e.t.Fatalf("ToolPolicies %s %q: %v", ws, upstream, err)
	}
	return ps
}

// rev returns workspace ws's upstream revision.
func (e *env) rev(ws string) int64 {
	e.t.Helper()
	_, rev, err := e.s.UpstreamNames(e.ctx, ws)
	if err != nil {
		e.t.Fatalf("UpstreamNames: %v", err)
	}
	return rev
}

// samePolicies fails unless got equals want, in order (nil and empty
// lists are equal, times compared with Equal).
func samePolicies(t *testing.T, what string, got []store.ToolPolicy, want ...*store.ToolPolicy) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.WorkspaceID == w.WorkspaceID && g.Upstream == w.Upstream && g.Scope == w.Scope &&
			slices.Equal(g.Allow, w.Allow) && slices.Equal(g.Deny, w.Deny) && g.UpdatedAt.Equal(w.UpdatedAt)
	}
	if !ok {
		var b strings.Builder
		for _, w := range want {
			b.WriteString("\n  ")
			b.WriteString(w.Upstream + " " + w.Scope)
		}
		t.Fatalf("%s: got %+v, want %d policies:%s", what, got, len(want), b.String())
	}
}

// testToolPolicyCRUD: policies are created, replaced, listed in order of
// upstream then scope (optionally one upstream's) and deleted, with
// ErrNotFound for a missing policy or workspace, as the admin API and the
// gateway's route cache rely on.
func testToolPolicyCRUD(t *testing.T, e *env) {
	b := e.policy("search", store.PolicyAll, nil, []string{"rm_*"})
	aAll := e.policy("files", store.PolicyAll, []string{"read_*", "list"}, nil)
	aRole := e.policy("files", store.PolicyRolePrefix+store.RoleMember, nil, []string{"write_?"})
	aKey := e.policy("files", store.PolicyKeyPrefix+token.NewID(), []string{"read_file"}, []string{"read_secret"})
	for _, p := range []*store.ToolPolicy{b, aRole, aAll, aKey} { // policies need no upstream record
		e.putPolicy(p)
	}
	samePolicies(t, "all", e.policies(e.ws, ""), aAll, aKey, aRole, b)
	samePolicies(t, "files", e.policies(e.ws, "files"), aAll, aKey, aRole)
	samePolicies(t, "an upstream without policies", e.policies(e.ws, "none"))

	e.clock.Advance(time.Minute)
	aAll = e.policy("files", store.PolicyAll, nil, []string{"*"})
	e.putPolicy(aAll)
	samePolicies(t, "after replacing", e.policies(e.ws, "files"), aAll, aKey, aRole)

	if err := e.s.DeleteToolPolicy(e.ctx, e.ws, "files", aKey.Scope); err != nil {
		t.Fatalf("DeleteToolPolicy: %v", err)
	}
	samePolicies(t, "after deleting", e.policies(e.ws, ""), aAll, aRole, b)
	for _, c := range []struct{ what, ws, up, scope string }{
		{"deleted twice", e.ws, "files", aKey.Scope},
		{"never made", e.ws, "files", store.PolicyRolePrefix + store.RoleAdmin},
		{"other upstream", e.ws, "search", aRole.Scope},
		{"unknown workspace", token.NewID(), "files", store.PolicyAll},
	} {
		if err := e.s.DeleteToolPolicy(e.ctx, c.ws, c.up, c.scope); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("DeleteToolPolicy %s: %v, want ErrNotFound", c.what, err)
		}
	}
	lost := e.policy("files", store.PolicyAll, nil, nil)
	lost.WorkspaceID = token.NewID()
	if err := e.s.PutToolPolicy(e.ctx, lost); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutToolPolicy in an unknown workspace: %v, want ErrNotFound", err)
	}
	if _, err := e.s.ToolPolicies(e.ctx, lost.WorkspaceID, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ToolPolicies of an unknown workspace: %v, want ErrNotFound", err)
	}
}

// testToolPolicyCopy: changing the caller's policy after Put, or a listed
// one, does not change the stored policy, so the admin API and the gateway
// cannot corrupt each other's view.
func testToolPolicyCopy(t *testing.T, e *env) {
	p := e.policy("files", store.PolicyAll, []string{"read"}, []string{"write"})
	e.putPolicy(p)
	want := e.policy("files", store.PolicyAll, []string{"read"}, []string{"write"})
	p.Allow[0], p.Deny[0] = "changed", "changed"
	got := e.policies(e.ws, "files")
	got[0].Allow[0] = "changed"
	samePolicies(t, "after changing copies", e.policies(e.ws, "files"), want)
}

// testToolPolicyMalformed: a policy without an upstream, with a scope of
// another shape, or nil is refused with an error naming the problem, and
// nothing is stored.
func testToolPolicyMalformed(t *testing.T, e *env) {
	for _, c := range []struct {
		what, word string
		p          *store.ToolPolicy
	}{
		{"nil", "nil", nil},
		{"no upstream", "upstream", e.policy("", store.PolicyAll, nil, nil)},
		{"unknown scope kind", "scope", e.policy("files", "team:x", nil, nil)},
		{"role without a name", "scope", e.policy("files", store.PolicyRolePrefix, nil, nil)},
		{"key without an id", "scope", e.policy("files", store.PolicyKeyPrefix, nil, nil)},
	} {
		err := e.s.PutToolPolicy(e.ctx, c.p)
		if err == nil || !strings.Contains(err.Error(), c.word) {
			t.Fatalf("PutToolPolicy %s: %v, want an error naming %q", c.what, err, c.word)
		}
	}
	samePolicies(t, "after refusals", e.policies(e.ws, ""))
}

// testToolPolicyBumpsRevision: every policy write bumps the workspace's
// upstream revision (seen by UpstreamNames and by the next Admit), so every
// replica's route cache reloads the policies; a failed delete does not.
func testToolPolicyBumpsRevision(t *testing.T, e *env) {
	e.upstream("files")
	tk := e.tok(token.Member, e.member(0))
	r0 := e.rev(e.ws)
	e.putPolicy(e.policy("files", store.PolicyAll, []string{"read"}, nil))
	r1 := e.rev(e.ws)
	if r1 <= r0 {
		t.Fatalf("revision %d after PutToolPolicy, want more than %d", r1, r0)
	}
	if d := e.admit(tk, "files"); d.UpstreamRev != r1 {
		t.Fatalf("Admit's UpstreamRev %d, want %d", d.UpstreamRev, r1)
	}
	e.putPolicy(e.policy("files", store.PolicyAll, []string{"list"}, nil))
	r2 := e.rev(e.ws)
	if r2 <= r1 {
		t.Fatalf("revision %d after replacing, want more than %d", r2, r1)
	}
	if err := e.s.DeleteToolPolicy(e.ctx, e.ws, "files", store.PolicyAll); err != nil {
		t.Fatal(err)
	}
	r3 := e.rev(e.ws)
	if r3 <= r2 {
		t.Fatalf("revision %d after DeleteToolPolicy, want more than %d", r3, r2)
	}
	_ = e.s.DeleteToolPolicy(e.ctx, e.ws, "files", store.PolicyAll)
	if r4 := e.rev(e.ws); r4 != r3 {
		t.Fatalf("revision %d after a failed delete, want %d", r4, r3)
	}
}

// testToolPoliciesIsolated: the same upstream and scope in two workspaces
// are two policies; writing one neither shows in nor bumps the other.
func testToolPoliciesIsolated(t *testing.T, e *env) {
	other := e.workspace(store.Limits{})
	mine := e.policy("files", store.PolicyAll, []string{"mine"}, nil)
	theirs := e.policy("files", store.PolicyAll, []string{"theirs"}, nil)
	theirs.WorkspaceID = other
	e.putPolicy(mine)
	otherRev := e.rev(other)
	e.putPolicy(theirs)
	myRev := e.rev(e.ws)
	samePolicies(t, "mine", e.policies(e.ws, ""), mine)
	samePolicies(t, "theirs", e.policies(other, ""), theirs)
	if r := e.rev(other); r <= otherRev {
		t.Fatalf("other workspace's revision %d after its own write, want more than %d", r, otherRev)
	}
	if err := e.s.DeleteToolPolicy(e.ctx, other, "files", store.PolicyAll); err != nil {
		t.Fatal(err)
	}
	samePolicies(t, "mine after theirs was deleted", e.policies(e.ws, ""), mine)
	if r := e.rev(e.ws); r != myRev {
		t.Fatalf("revision %d after another workspace's writes, want %d", r, myRev)
	}
}

// testToolPoliciesDeletedWithWorkspace: DeleteWorkspace removes the
// policies, so a workspace made again with the same id starts without any.
func testToolPoliciesDeletedWithWorkspace(t *testing.T, e *env) {
	e.putPolicy(e.policy("files", store.PolicyAll, nil, []string{"*"}))
	if err := e.s.DeleteWorkspace(e.ctx, e.ws); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.ToolPolicies(e.ctx, e.ws, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ToolPolicies of a deleted workspace: %v, want ErrNotFound", err)
	}
	if err := e.s.CreateWorkspace(e.ctx, &store.Workspace{ID: e.ws, Name: "again", CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	samePolicies(t, "the workspace made again", e.policies(e.ws, ""))
}

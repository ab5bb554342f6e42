package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testWorkspaceCRUD: workspaces round-trip, duplicates are ErrExists, lists are ordered by id.
func testWorkspaceCRUD(t *testing.T, e *env) {
	l := store.Limits{MemberRPM: 7, KeyRPM: 8, WorkspaceRPM: 9}
	w := &store.Workspace{ID: token.NewID(), Name: "Acme", Limits: l, CreatedAt: e.clock.Now()}
	if err := e.s.CreateWorkspace(e.ctx, w); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetWorkspace(e.ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != w.ID || got.Name != w.Name || got.Limits != l || !got.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("GetWorkspace = %+v, want %+v", got, w)
	}
	dup := *w
	dup.Name = "other"
	if err := e.s.CreateWorkspace(e.ctx, &dup); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate CreateWorkspace: %v, want ErrExists", err)
	}
	if got, _ := e.s.GetWorkspace(e.ctx, w.ID); got.Name != "Acme" {
		t.Fatalf("duplicate create overwrote the workspace: %+v", got)
	}
	l2 := store.Limits{MemberRPM: 1, KeyRPM: 0, WorkspaceRPM: 3}
	if err := e.s.SetLimits(e.ctx, w.ID, l2); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.GetWorkspace(e.ctx, w.ID); got.Limits != l2 {
		t.Fatalf("limits after SetLimits = %+v, want %+v", got.Limits, l2)
	}
	list, err := e.s.ListWorkspaces(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(list))
	for i, x := range list {
		ids[i] = x.ID
	}
	if !slices.IsSorted(ids) || !slices.Contains(ids, w.ID) || !slices.Contains(ids, e.ws) {
		t.Fatalf("ListWorkspaces ids %v: want sorted and containing %s and %s", ids, w.ID, e.ws)
	}
}

// testWorkspaceUnknown: reads and limit changes of a missing workspace are ErrNotFound.
func testWorkspaceUnknown(t *testing.T, e *env) {
	if _, err := e.s.GetWorkspace(e.ctx, token.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetWorkspace unknown: %v, want ErrNotFound", err)
	}
	if err := e.s.SetLimits(e.ctx, token.NewID(), store.Limits{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetLimits unknown: %v, want ErrNotFound", err)
	}
}

// testMemberCRUD: members round-trip, PutMember replaces, lists are ordered by id.
func testMemberCRUD(t *testing.T, e *env) {
	var want []string
	for range 5 {
		want = append(want, e.member(0).ID)
	}
	slices.Sort(want)
	m := &store.Member{ID: want[2], WorkspaceID: e.ws, Email: "b@example.com", Role: "admin",
		Status: store.MemberRemoved, RPM: 33, CreatedAt: e.clock.Now().Add(-time.Hour)}
	e.putMember(m)
	got, err := e.s.GetMember(e.ctx, e.ws, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || got.WorkspaceID != e.ws || got.Email != m.Email || got.Role != m.Role ||
		got.Status != m.Status || got.RPM != m.RPM || !got.CreatedAt.Equal(m.CreatedAt) {
		t.Fatalf("GetMember = %+v, want %+v", got, m)
	}
	if _, err := e.s.GetMember(e.ctx, e.ws, token.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetMember unknown: %v, want ErrNotFound", err)
	}
	list, err := e.s.ListMembers(e.ctx, e.ws)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range list {
		ids = append(ids, x.ID)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ListMembers ids %v, want %v", ids, want)
	}
}

// testTokenCRUD: tokens round-trip with every field, lists are ordered by id.
func testTokenCRUD(t *testing.T, e *env) {
	m := e.member(0)
	exp := e.clock.Now().Add(48 * time.Hour)
	k := e.tok(token.Key, m, func(t *store.Token) {
		t.RPM, t.Upstreams, t.ExpiresAt, t.Name = 17, []string{"openai", "mcp-github"}, exp, "deploy-bot"
	})
	mt := e.tok(token.Member, m)
	for _, want := range []*store.Token{k, mt} {
		got, err := e.s.GetToken(e.ctx, e.ws, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameToken(got, want) {
			t.Fatalf("GetToken = %+v, want %+v", got, want)
		}
	}
	if _, err := e.s.GetToken(e.ctx, e.ws, token.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetToken unknown: %v, want ErrNotFound", err)
	}
	for range 3 {
		e.tok(token.Member, e.member(0))
	}
	list, err := e.s.ListTokens(e.ctx, e.ws)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range list {
		ids = append(ids, x.ID)
		if x.ID == k.ID && !sameToken(&x, k) {
			t.Fatalf("ListTokens entry %+v, want %+v", x, k)
		}
	}
	if len(ids) != 5 || !slices.IsSorted(ids) {
		t.Fatalf("ListTokens ids %v: want 5, sorted", ids)
	}
}

func sameToken(a, b *store.Token) bool {
	return a.ID == b.ID && a.WorkspaceID == b.WorkspaceID && a.Kind == b.Kind && a.Hash == b.Hash &&
		a.Display == b.Display && a.MemberID == b.MemberID && a.Name == b.Name && a.Status == b.Status &&
		a.RPM == b.RPM && slices.Equal(a.Upstreams, b.Upstreams) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.CreatedAt.Equal(b.CreatedAt)
}

// testTokenDuplicate: a token whose id or hash is taken is refused with ErrExists.
func testTokenDuplicate(t *testing.T, e *env) {
	m := e.member(0)
	first := e.tok(token.Member, m)
	sameID := *first
	sameID.Hash = token.HashOf([]byte("another secret"))
	if err := e.s.CreateToken(e.ctx, &sameID); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateToken with taken id: %v, want ErrExists", err)
	}
	sameHash := *first
	sameHash.ID = token.NewID()
	if err := e.s.CreateToken(e.ctx, &sameHash); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateToken with taken hash: %v, want ErrExists", err)
	}
	if list, _ := e.s.ListTokens(e.ctx, e.ws); len(list) != 1 {
		t.Fatalf("refused tokens were stored: %d tokens", len(list))
	}
}

// testRevokeIdempotent: revoking twice is fine, revoking an unknown token is ErrNotFound.
func testRevokeIdempotent(t *testing.T, e *env) {
	tk := e.tok(token.Member, e.member(0))
	for range 2 {
		if err := e.s.RevokeToken(e.ctx, e.ws, tk.ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
	}
	got, err := e.s.GetToken(e.ctx, e.ws, tk.ID)
	if err != nil || got.Status != store.TokenRevoked {
		t.Fatalf("after revoke: %+v, %v; want status revoked", got, err)
	}
	if err := e.s.RevokeToken(e.ctx, e.ws, token.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeToken unknown: %v, want ErrNotFound", err)
	}
}

// testUpstreamCRUD: upstreams round-trip, replace, list by name and delete.
func testUpstreamCRUD(t *testing.T, e *env) {
	for _, n := range []string{"openai", "anthropic", "mcp-github"} {
		e.upstream(n)
	}
	u := &store.Upstream{WorkspaceID: e.ws, Name: "openai", BaseURL: "https://other.example.com",
		Kind: store.KindMCP, AuthHeader: "x-api-key", AuthScheme: "", Credential: "new", CreatedAt: e.clock.Now()}
	if err := e.s.PutUpstream(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.s.GetUpstream(e.ctx, e.ws, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if got.WorkspaceID != e.ws || got.Name != u.Name || got.BaseURL != u.BaseURL || got.Kind != u.Kind ||
		got.AuthHeader != u.AuthHeader || got.AuthScheme != u.AuthScheme || got.Credential != u.Credential ||
		!got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("GetUpstream = %+v, want %+v", got, u)
	}
	list, err := e.s.ListUpstreams(e.ctx, e.ws)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range list {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"anthropic", "mcp-github", "openai"}) {
		t.Fatalf("ListUpstreams names %v, want [anthropic mcp-github openai]", names)
	}
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "anthropic"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.GetUpstream(e.ctx, e.ws, "anthropic"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUpstream after delete: %v, want ErrNotFound", err)
	}
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "anthropic"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUpstream unknown: %v, want ErrNotFound", err)
	}
}

// testUnknownWorkspaceWrites: records cannot be put into or listed from a workspace that does not exist.
func testUnknownWorkspaceWrites(t *testing.T, e *env) {
	ws := token.NewID()
	now := e.clock.Now()
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Role: "member", Status: store.MemberActive, CreatedAt: now}
	if err := e.s.PutMember(e.ctx, m); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutMember in unknown workspace: %v, want ErrNotFound", err)
	}
	tk := &store.Token{ID: token.NewID(), WorkspaceID: ws, Kind: token.Member, MemberID: m.ID,
		Hash: token.HashOf([]byte("x")), Status: store.TokenActive, CreatedAt: now}
	if err := e.s.CreateToken(e.ctx, tk); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateToken in unknown workspace: %v, want ErrNotFound", err)
	}
	u := &store.Upstream{WorkspaceID: ws, Name: "openai", BaseURL: "https://x", Kind: store.KindLLM, CreatedAt: now}
	if err := e.s.PutUpstream(e.ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutUpstream in unknown workspace: %v, want ErrNotFound", err)
	}
	if _, err := e.s.GetMember(e.ctx, ws, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetMember in unknown workspace: %v, want ErrNotFound", err)
	}
}

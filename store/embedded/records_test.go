package embedded_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

// TestRecordsAreCopies: neither the records a caller passed in nor the ones
// it got back can change the store's state.
func TestRecordsAreCopies(t *testing.T) {
	f := newFixture(t, store.Limits{})
	ups := []string{"openai"}
	k := f.newToken(token.Key, func(t *store.Token) { t.Upstreams = ups })
	ups[0] = "evil" // the caller's slice after CreateToken
	got, err := f.s.GetToken(f.ctx, f.ws, k.ID)
	must(t, err)
	got.Upstreams[0], got.Status = "evil", store.TokenRevoked
	list, err := f.s.ListTokens(f.ctx, f.ws)
	must(t, err)
	for i := range list {
		list[i].Status = store.TokenRevoked
		if len(list[i].Upstreams) > 0 {
			list[i].Upstreams[0] = "evil"
		}
	}
	must(t, f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "evil", BaseURL: "https://e", Kind: store.KindLLM}))
	want(t, f.admit(k, "openai"), limiter.Allowed, "key still allows openai")
	want(t, f.admit(k, "evil"), limiter.Forbidden, "key still forbids evil")
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "member token still active")

	u, _, err := f.s.GetUpstream(f.ctx, f.ws, "openai")
	must(t, err)
	u.Credential = "changed"
	m, err := f.s.GetMember(f.ctx, f.ws, f.member.ID)
	must(t, err)
	m.Status = store.MemberRemoved
	w, err := f.s.GetWorkspace(f.ctx, f.ws)
	must(t, err)
	w.Limits.WorkspaceRPM = 1
	if u2, _, _ := f.s.GetUpstream(f.ctx, f.ws, "openai"); u2.Credential != "sk-secret" {
		t.Fatalf("upstream credential changed through a returned copy: %q", u2.Credential)
	}
	for range 3 {
		want(t, f.admit(f.tok, "openai"), limiter.Allowed, "member and limits unchanged")
	}
}

// TestInvalidRecordsRefused: malformed records are refused with ErrInvalid
// and a message naming the problem, and nothing is stored.
func TestInvalidRecordsRefused(t *testing.T) {
	f := newFixture(t, store.Limits{})
	okTok := func(edit func(*store.Token)) *store.Token {
		tk := &store.Token{ID: token.NewID(), WorkspaceID: f.ws, Kind: token.Key, Hash: token.HashOf([]byte(token.NewID()))}
		edit(tk)
		return tk
	}
	cases := []struct {
		name, msg string
		call      func() error
	}{
		{"nil workspace", "workspace is nil", func() error { return f.s.CreateWorkspace(f.ctx, nil) }},
		{"empty workspace id", "workspace id is empty", func() error { return f.s.CreateWorkspace(f.ctx, &store.Workspace{Name: "x"}) }},
		{"negative limit", "key_rpm -1 is negative", func() error { return f.s.SetLimits(f.ctx, f.ws, store.Limits{KeyRPM: -1}) }},
		{"empty member id", "member id is empty", func() error { return f.s.PutMember(f.ctx, &store.Member{WorkspaceID: f.ws}) }},
		{"bad member status", `unknown status "gone"`, func() error {
			return f.s.PutMember(f.ctx, &store.Member{ID: "m", WorkspaceID: f.ws, Status: "gone"})
		}},
		{"operator token", "kind operator", func() error {
			return f.s.CreateToken(f.ctx, okTok(func(t *store.Token) { t.Kind = token.Operator }))
		}},
		{"zero hash", "has no hash", func() error { return f.s.CreateToken(f.ctx, okTok(func(t *store.Token) { t.Hash = token.Hash{} })) }},
		{"member token without member", "has no member id", func() error {
			return f.s.CreateToken(f.ctx, okTok(func(t *store.Token) { t.Kind = token.Member }))
		}},
		{"negative token rpm", "rpm -5 is negative", func() error { return f.s.CreateToken(f.ctx, okTok(func(t *store.Token) { t.RPM = -5 })) }},
		{"empty upstream name", "upstream name is empty", func() error {
			return f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, BaseURL: "https://x"})
		}},
		{"slash in upstream name", "contains a slash", func() error {
			return f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "a/b", BaseURL: "https://x"})
		}},
	}
	for _, c := range cases {
		err := c.call()
		if !errors.Is(err, embedded.ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want ErrInvalid mentioning %q", c.name, err, c.msg)
		}
	}
	if list, _ := f.s.ListTokens(f.ctx, f.ws); len(list) != 1 {
		t.Fatalf("%d tokens stored, want only the fixture's", len(list))
	}
}

// TestMemberTokenNeedsMember: a member token naming no member of the
// workspace is refused with ErrNotFound.
func TestMemberTokenNeedsMember(t *testing.T) {
	f := newFixture(t, store.Limits{})
	tk := &store.Token{ID: token.NewID(), WorkspaceID: f.ws, Kind: token.Member, MemberID: token.NewID(), Hash: token.HashOf([]byte("s"))}
	if err := f.s.CreateToken(f.ctx, tk); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateToken for unknown member: %v, want ErrNotFound", err)
	}
}

// TestCreateWorkspaceFillsDefaults: a new workspace gets the default member
// limit and a creation time from the store's clock.
func TestCreateWorkspaceFillsDefaults(t *testing.T) {
	f := newFixture(t, store.Limits{})
	w := &store.Workspace{ID: token.NewID(), Name: "new"}
	must(t, f.s.CreateWorkspace(f.ctx, w))
	got, err := f.s.GetWorkspace(f.ctx, w.ID)
	must(t, err)
	if got.Limits.MemberRPM != limiter.DefaultMemberRPM || !got.CreatedAt.Equal(start) || *got != *w {
		t.Fatalf("workspace %+v (caller's %+v): want MemberRPM %d and CreatedAt %v", got, w, limiter.DefaultMemberRPM, start)
	}
}

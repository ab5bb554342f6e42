package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// fixture is one workspace with an upstream, a member token and a key.
type fixture struct {
	ws       string
	member   *store.Token
	key      *store.Token
	upstream string
}

// seed fills a fresh workspace with every kind of record and returns it.
func seed(t testing.TB, s *redisstore.Store) fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	f := fixture{ws: token.NewID(), upstream: "openai"}
	must(t, s.CreateWorkspace(ctx, &store.Workspace{ID: f.ws, Name: "w", CreatedAt: now,
		Limits: store.Limits{MemberRPM: 1 << 40, KeyRPM: 1 << 40, WorkspaceRPM: 1 << 40}}))
	m := &store.Member{ID: token.NewID(), WorkspaceID: f.ws, Role: "member", Status: store.MemberActive, CreatedAt: now}
	must(t, s.PutMember(ctx, m))
	must(t, s.PutUpstream(ctx, &store.Upstream{WorkspaceID: f.ws, Name: f.upstream, BaseURL: "https://x", Kind: store.KindLLM, CreatedAt: now}))
	mk := func(k token.Kind) *store.Token {
		secret, err := token.New(k, f.ws)
		must(t, err)
		tk := &store.Token{ID: token.NewID(), WorkspaceID: f.ws, Kind: k, Hash: token.HashOf([]byte(secret)),
			MemberID: m.ID, Status: store.TokenActive, CreatedAt: now}
		must(t, s.CreateToken(ctx, tk))
		return tk
	}
	f.member, f.key = mk(token.Member), mk(token.Key)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// admit runs one Admit for tk and returns the decision and error.
func (f fixture) admit(s *redisstore.Store, tk *store.Token) (limiter.Decision, error) {
	var d limiter.Decision
	r := limiter.Request{Workspace: f.ws, TokenHash: tk.Hash, Upstream: f.upstream}
	err := s.Admit(context.Background(), &r, &d)
	return d, err
}

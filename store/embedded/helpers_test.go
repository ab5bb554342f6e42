package embedded_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

var start = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// fixture is a store in a temporary directory with one workspace, one active
// member, its member token and an upstream "openai".
type fixture struct {
	t      testing.TB
	ctx    context.Context
	dir    string
	clock  *clock
	s      *embedded.Store
	ws     string
	member *store.Member
	tok    *store.Token
}

func newFixture(t testing.TB, l store.Limits) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), dir: t.TempDir(), clock: &clock{now: start}}
	f.open()
	t.Cleanup(func() { _ = f.s.Close() })
	f.ws = token.NewID()
	w := &store.Workspace{ID: f.ws, Name: "acme", Limits: l}
	must(t, f.s.CreateWorkspace(f.ctx, w))
	must(t, f.s.SetLimits(f.ctx, f.ws, l)) // CreateWorkspace fills a default MemberRPM
	f.member = &store.Member{ID: token.NewID(), WorkspaceID: f.ws, Email: "a@example.com", Role: "member", Status: store.MemberActive}
	must(t, f.s.PutMember(f.ctx, f.member))
	f.tok = f.newToken(token.Member, nil)
	must(t, f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "openai", BaseURL: "https://api.openai.com/v1", Kind: store.KindLLM, Credential: "sk-secret"}))
	return f
}

// open (re)opens the store in f.dir.
func (f *fixture) open() {
	f.t.Helper()
	s, err := embedded.Open(f.dir, embedded.Options{Clock: f.clock.Now})
	must(f.t, err)
	f.s = s
}

// newToken stores a token of kind k for f.member, changed by edit.
func (f *fixture) newToken(k token.Kind, edit func(*store.Token)) *store.Token {
	f.t.Helper()
	secret, err := token.New(k, f.ws)
	must(f.t, err)
	t := &store.Token{ID: token.NewID(), WorkspaceID: f.ws, Kind: k, Hash: token.HashOf([]byte(secret)),
		Display: token.Display(secret), MemberID: f.member.ID}
	if edit != nil {
		edit(t)
	}
	must(f.t, f.s.CreateToken(f.ctx, t))
	return t
}

// admit returns the decision for t on upstream up.
func (f *fixture) admit(t *store.Token, up string) limiter.Decision {
	f.t.Helper()
	var d limiter.Decision
	r := limiter.Request{Workspace: f.ws, TokenHash: t.Hash, Upstream: up}
	must(f.t, f.s.Admit(f.ctx, &r, &d))
	return d
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func want(t testing.TB, d limiter.Decision, o limiter.Outcome, what string) {
	t.Helper()
	if d.Outcome != o {
		t.Fatalf("%s: outcome %v, want %v (%+v)", what, d.Outcome, o, d)
	}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

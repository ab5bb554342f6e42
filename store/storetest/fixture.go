package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// env is one subtest's store, clock and a fresh workspace.
type env struct {
	t     *testing.T
	ctx   context.Context
	s     store.Store
	clock *FakeClock
	ws    string
}

func newEnv(t *testing.T, open Opener) *env {
	t.Helper()
	clock := NewFakeClock(Start)
	s := open(t, clock)
	if s == nil {
		t.Fatal("storetest: open returned a nil store")
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{t: t, ctx: context.Background(), s: s, clock: clock}
	e.ws = e.workspace(store.Limits{MemberRPM: limiter.DefaultMemberRPM})
	return e
}

// workspace creates a workspace with limits l and returns its id.
func (e *env) workspace(l store.Limits) string {
	e.t.Helper()
	w := &store.Workspace{ID: token.NewID(), Name: "ws", Limits: l, CreatedAt: e.clock.Now()}
	if err := e.s.CreateWorkspace(e.ctx, w); err != nil {
		e.t.Fatalf("CreateWorkspace: %v", err)
	}
	return w.ID
}

// setLimits replaces the env workspace's limits.
func (e *env) setLimits(l store.Limits) {
	e.t.Helper()
	if err := e.s.SetLimits(e.ctx, e.ws, l); err != nil {
		e.t.Fatalf("SetLimits: %v", err)
	}
}

// member puts an active member with rpm override into the env workspace.
func (e *env) member(rpm int64) *store.Member {
	e.t.Helper()
	m := &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: "m@example.com",
		Role: "member", Status: store.MemberActive, RPM: rpm, CreatedAt: e.clock.Now()}
	e.putMember(m)
	return m
}

func (e *env) putMember(m *store.Member) {
	e.t.Helper()
	if err := e.s.PutMember(e.ctx, m); err != nil {
		e.t.Fatalf("PutMember: %v", err)
	}
}

// tok creates an active token of kind k for member m in the env workspace,
// changed by opts before it is stored, and returns the record.
func (e *env) tok(k token.Kind, m *store.Member, opts ...func(*store.Token)) *store.Token {
	e.t.Helper()
	secret, err := token.New(k, e.ws)
	if err != nil {
		e.t.Fatal(err)
	}
	t := &store.Token{ID: token.NewID(), WorkspaceID: e.ws, Kind: k, Hash: token.HashOf([]byte(secret)),
		Display: token.Display(secret), MemberID: m.ID, Status: store.TokenActive, CreatedAt: e.clock.Now()}
	if k == token.Key {
		t.Name = "ci"
	}
	for _, o := range opts {
		o(t)
	}
	if err := e.s.CreateToken(e.ctx, t); err != nil {
		e.t.Fatalf("CreateToken: %v", err)
	}
	return t
}

// upstream puts an upstream named name into the env workspace.
func (e *env) upstream(name string) *store.Upstream {
	e.t.Helper()
	u := &store.Upstream{WorkspaceID: e.ws, Name: name, BaseURL: "https://api.example.com/v1",
		Kind: store.KindLLM, AuthHeader: "Authorization", AuthScheme: "Bearer", Credential: "sk-test", CreatedAt: e.clock.Now()}
	if err := e.s.PutUpstream(e.ctx, u); err != nil {
		e.t.Fatalf("PutUpstream: %v", err)
	}
	return u
}

// admit runs Admit for t on upstream up and returns the decision.
func (e *env) admit(t *store.Token, up string) limiter.Decision {
	e.t.Helper()
	return e.admitHash(e.ws, t.Hash, up)
}

func (e *env) admitHash(ws string, h token.Hash, up string) limiter.Decision {
	e.t.Helper()
	var d limiter.Decision
	r := limiter.Request{Workspace: ws, TokenHash: h, Upstream: up}
	if err := e.s.Admit(e.ctx, &r, &d); err != nil {
		e.t.Fatalf("Admit: %v", err)
	}
	return d
}

// expect fails the test unless d has outcome o.
func expect(t *testing.T, d limiter.Decision, o limiter.Outcome, what string) {
	t.Helper()
	if d.Outcome != o {
		t.Fatalf("%s: outcome %v, want %v (decision %+v)", what, d.Outcome, o, d)
	}
}

// at returns the suite's start time plus d.
func at(d time.Duration) time.Time { return Start.Add(d) }

package redisstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// TestBadOptionsNamed: New refuses bad options with an error naming the problem.
func TestBadOptionsNamed(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		o    redisstore.Options
		want string
	}{
		{redisstore.Options{}, "no URL or Client"},
		{redisstore.Options{URL: "http://x"}, "bad URL"},
		{redisstore.Options{URL: "redis://x", Timeout: -1}, "negative timeout"},
	} {
		if _, err := redisstore.New(ctx, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want error containing %q", c.o, err, c.want)
		}
	}
}

// TestBadRecordsNamed: records that cannot be keyed safely are refused with an error naming the field.
func TestBadRecordsNamed(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	ctx := context.Background()
	check := func(err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want error containing %q", err, want)
		}
	}
	check(s.CreateWorkspace(ctx, &store.Workspace{ID: "a}b{c"}), "invalid workspace id")
	check(s.CreateWorkspace(ctx, &store.Workspace{ID: token.NewID(), Limits: store.Limits{KeyRPM: -1}}), "invalid rate limit")
	check(s.PutUpstream(ctx, &store.Upstream{WorkspaceID: f.ws, Name: "a,b"}), "invalid upstream name")
	check(s.PutUpstream(ctx, &store.Upstream{WorkspaceID: f.ws, Name: ""}), "invalid upstream name")
	check(s.PutMember(ctx, &store.Member{WorkspaceID: f.ws, ID: "x:y"}), "invalid member id")
	tk := *f.key
	tk.ID, tk.Hash, tk.Upstreams = token.NewID(), token.HashOf([]byte("other")), []string{"ok", "no,pe"}
	check(s.CreateToken(ctx, &tk), "invalid upstream name")
	tk.Upstreams, tk.Kind = nil, token.Operator
	check(s.CreateToken(ctx, &tk), "invalid token kind")
	check(s.PutMember(ctx, nil), "nil member")
}

package embedded_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

// TestDurableAcrossRestart: everything an admin wrote is read back after
// Close and Open, admission works on it, and a revoked token stays revoked.
func TestDurableAcrossRestart(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 50, KeyRPM: 7, WorkspaceRPM: 900})
	f.member.RPM = 3
	must(t, f.s.PutMember(f.ctx, f.member))
	key := f.newToken(token.Key, func(t *store.Token) { t.Name, t.RPM, t.Upstreams = "ci", 2, []string{"openai"} })
	revoked := f.newToken(token.Member, nil)
	must(t, f.s.RevokeToken(f.ctx, f.ws, revoked.ID))
	must(t, f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "gone", BaseURL: "https://x", Kind: store.KindMCP}))
	must(t, f.s.DeleteUpstream(f.ctx, f.ws, "gone"))
	before := snapshot(t, f)
	_, revBefore, err := f.s.GetUpstream(f.ctx, f.ws, "openai")
	must(t, err)

	must(t, f.s.Close())
	f.open()

	if after := snapshot(t, f); after != before {
		t.Fatalf("state after reopen differs:\nbefore %s\nafter  %s", before, after)
	}
	_, revAfter, err := f.s.GetUpstream(f.ctx, f.ws, "openai")
	must(t, err)
	if revAfter != revBefore {
		t.Fatalf("upstream revision %d after reopen, want %d", revAfter, revBefore)
	}
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "member token after reopen")
	want(t, f.admit(revoked, "openai"), limiter.Revoked, "revoked token after reopen")
	want(t, f.admit(key, "gone"), limiter.UpstreamUnknown, "deleted upstream after reopen")
	if d := f.admit(key, "openai"); d.Outcome != limiter.Allowed || d.Scope != limiter.ScopeKey || d.Limit != 2 {
		t.Fatalf("key after reopen: %+v, want allowed under its own limit 2", d)
	}
	must(t, f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "new", BaseURL: "https://y", Kind: store.KindLLM}))
	if _, rev, _ := f.s.GetUpstream(f.ctx, f.ws, "new"); rev <= revBefore {
		t.Fatalf("upstream revision went from %d to %d after restart", revBefore, rev)
	}
}

// snapshot renders every record of f's workspace, to compare across restarts.
func snapshot(t *testing.T, f *fixture) string {
	t.Helper()
	var b strings.Builder
	w, err := f.s.GetWorkspace(f.ctx, f.ws)
	must(t, err)
	b.WriteString(w.ID + w.Name + w.CreatedAt.String())
	writeAll(&b, w.Limits)
	members, err := f.s.ListMembers(f.ctx, f.ws)
	must(t, err)
	writeAll(&b, members)
	tokens, err := f.s.ListTokens(f.ctx, f.ws)
	must(t, err)
	writeAll(&b, tokens)
	ups, err := f.s.ListUpstreams(f.ctx, f.ws)
	must(t, err)
	writeAll(&b, ups)
	return b.String()
}

func writeAll(b *strings.Builder, v any) {
	b.WriteString(fmt.Sprintf("%+v|", v))
}

// TestSecondOpenOfLockedDirFails: a data directory held by one store cannot
// be opened by another, and the error names the file.
func TestSecondOpenOfLockedDirFails(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, embedded.Options{})
	must(t, err)
	defer s.Close()
	_, err = embedded.Open(dir, embedded.Options{})
	if !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if path := filepath.Join(dir, embedded.FileName); !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name %s", err, path)
	}
}

// TestOpenCreatesPrivateDir: a missing data directory is created 0700 and the
// database file 0600, since it holds upstream credentials.
func TestOpenCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "data")
	s, err := embedded.Open(dir, embedded.Options{})
	must(t, err)
	defer s.Close()
	for path, mode := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, embedded.FileName): 0o600} {
		fi, err := os.Stat(path)
		must(t, err)
		if fi.Mode().Perm() != mode {
			t.Fatalf("%s has mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
}

// TestOpenEmptyDirRefused: an empty data directory is a configuration error.
func TestOpenEmptyDirRefused(t *testing.T) {
	if _, err := embedded.Open("", embedded.Options{}); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Fatalf("Open(\"\"): %v, want an error naming the data directory", err)
	}
}

// TestClosedStoreRefuses: after Close every method fails with ErrClosed
// instead of deciding on stale memory.
func TestClosedStoreRefuses(t *testing.T) {
	f := newFixture(t, store.Limits{})
	must(t, f.s.Close())
	var d limiter.Decision
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai"}
	if err := f.s.Admit(f.ctx, &r, &d); !errors.Is(err, embedded.ErrClosed) {
		t.Fatalf("Admit after Close: %v, want ErrClosed", err)
	}
	if err := f.s.RevokeToken(f.ctx, f.ws, f.tok.ID); !errors.Is(err, embedded.ErrClosed) {
		t.Fatalf("RevokeToken after Close: %v, want ErrClosed", err)
	}
	if err := f.s.Ping(f.ctx); !errors.Is(err, embedded.ErrClosed) {
		t.Fatalf("Ping after Close: %v, want ErrClosed", err)
	}
	if _, err := f.s.ListWorkspaces(f.ctx); !errors.Is(err, embedded.ErrClosed) {
		t.Fatalf("ListWorkspaces after Close: %v, want ErrClosed", err)
	}
}

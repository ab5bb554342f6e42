package embedded_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

var embeddedInvalid = embedded.ErrInvalid

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestAdmitReaderRoleForbidden: a reader's token is refused after the
// revocation checks and before the upstream check, and is not counted.
func TestAdmitReaderRoleForbidden(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 1})
	f.member.Role = store.RoleReader
	must(t, f.s.PutMember(f.ctx, f.member))
	want(t, f.admit(f.tok, "nosuch"), limiter.RoleForbidden, "reader, unknown upstream")
	want(t, f.admit(f.tok, "openai"), limiter.RoleForbidden, "reader")
	key := f.newToken(token.Key, nil)
	want(t, f.admit(key, "openai"), limiter.Allowed, "key created by a reader") // keys have no role
	f.member.Role = store.RoleMember
	must(t, f.s.PutMember(f.ctx, f.member))
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "member again: the refusals were not counted")
	f.member.Role, f.member.Status = store.RoleReader, store.MemberRemoved
	must(t, f.s.PutMember(f.ctx, f.member))
	want(t, f.admit(f.tok, "openai"), limiter.Revoked, "removed reader")
	if m, _ := f.s.GetMember(f.ctx, f.ws, f.member.ID); !m.LastActive.Equal(start) {
		t.Fatalf("LastActive %v, want %v from the one admitted request", m.LastActive, start)
	}
}

// TestLastActiveToTheMinuteAndLazy: Admit records LastActive and LastUsed to
// the minute, at most once a minute, in memory; Close persists them and
// PutMember can neither set nor lose them.
func TestLastActiveToTheMinuteAndLazy(t *testing.T) {
	f := newFixture(t, store.Limits{})
	t0 := start.Add(42 * time.Second)
	f.clock.Set(t0)
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "first request")
	m, _ := f.s.GetMember(f.ctx, f.ws, f.member.ID)
	tk, _ := f.s.GetToken(f.ctx, f.ws, f.tok.ID)
	if !m.LastActive.Equal(start) || !tk.LastUsed.Equal(start) {
		t.Fatalf("LastActive %v, LastUsed %v; want both %v (to the minute)", m.LastActive, tk.LastUsed, start)
	}
	f.clock.Set(start.Add(3*time.Minute + 5*time.Second))
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "later request")
	later := start.Add(3 * time.Minute)

	// A caller cannot set LastActive, and PutMember keeps the recorded one.
	f.member.LastActive = start.Add(-time.Hour)
	f.member.RPM = 7
	must(t, f.s.PutMember(f.ctx, f.member))
	if !f.member.LastActive.Equal(later) {
		t.Fatalf("PutMember left the caller's LastActive %v, want the stored %v", f.member.LastActive, later)
	}
	must(t, f.s.Close())
	f.open()
	m, _ = f.s.GetMember(f.ctx, f.ws, f.member.ID)
	tk, _ = f.s.GetToken(f.ctx, f.ws, f.tok.ID)
	if !m.LastActive.Equal(later) || !tk.LastUsed.Equal(later) || m.RPM != 7 {
		t.Fatalf("after reopen LastActive %v, LastUsed %v, rpm %d; want %v, %v, 7", m.LastActive, tk.LastUsed, m.RPM, later, later)
	}
	// Refused requests record nothing.
	f.clock.Set(start.Add(10 * time.Minute))
	want(t, f.admit(f.tok, "nosuch"), limiter.UpstreamUnknown, "refused request")
	if m, _ := f.s.GetMember(f.ctx, f.ws, f.member.ID); !m.LastActive.Equal(later) {
		t.Fatalf("a refused request moved LastActive to %v", m.LastActive)
	}
}

// TestDeleteWorkspaceRefusesStaleWrites: after DeleteWorkspace its tokens
// are Unknown and writes to it are ErrNotFound, also after a restart.
func TestDeleteWorkspaceRefusesStaleWrites(t *testing.T) {
	f := newFixture(t, store.Limits{})
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "before delete")
	must(t, f.s.DeleteWorkspace(f.ctx, f.ws))
	want(t, f.admit(f.tok, "openai"), limiter.Unknown, "after delete")
	if err := f.s.PutMember(f.ctx, f.member); !isNotFound(err) {
		t.Fatalf("PutMember after delete: %v, want ErrNotFound", err)
	}
	must(t, f.s.Close()) // nothing of the deleted workspace is flushed back
	f.open()
	want(t, f.admit(f.tok, "openai"), limiter.Unknown, "after delete and reopen")
}

// TestLastActiveNeverLostToRacingWrites: admissions moving LastActive on
// while PutMember and RevokeToken write the same records concurrently; after
// Close and Open the last recorded minute is on disk (run with -race).
func TestLastActiveNeverLostToRacingWrites(t *testing.T) {
	f := newFixture(t, store.Limits{})
	other := f.newToken(token.Member, nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				if err := f.s.PutMember(f.ctx, f.member); err != nil {
					t.Error(err)
					return
				}
				if err := f.s.RevokeToken(f.ctx, f.ws, other.ID); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	var last time.Time
	for i := range 200 {
		f.clock.Set(start.Add(time.Duration(i) * time.Minute))
		want(t, f.admit(f.tok, "openai"), limiter.Allowed, "admit")
		last = f.clock.Now()
	}
	close(stop)
	<-done
	must(t, f.s.Close())
	f.open()
	m, _ := f.s.GetMember(f.ctx, f.ws, f.member.ID)
	tk, _ := f.s.GetToken(f.ctx, f.ws, f.tok.ID)
	if !m.LastActive.Equal(last) || !tk.LastUsed.Equal(last) {
		t.Fatalf("after reopen LastActive %v, LastUsed %v; want %v", m.LastActive, tk.LastUsed, last)
	}
}

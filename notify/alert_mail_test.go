package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TestEmailReachesActiveOwnersAndAdminsOnly: alerts are for the people who manage money, not every member.
func TestEmailReachesActiveOwnersAndAdminsOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		srv := smtptest.Start(t)
		e := newEnv(t, open, func(c *DispatcherConfig) {
			c.Mailer = NewSMTP(SMTPConfig{Addr: srv.Addr, From: "Tollgate <tollgate@example.com>"})
		})
		for _, m := range []struct {
			email, role string
			status      store.MemberStatus
		}{
			{"owner@example.com", store.RoleOwner, store.MemberActive},
			{"admin@example.com", store.RoleAdmin, store.MemberActive},
			{"member@example.com", store.RoleMember, store.MemberActive},
			{"reader@example.com", store.RoleReader, store.MemberActive},
			{"gone@example.com", store.RoleAdmin, store.MemberRemoved},
		} {
			rec := &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: m.email, Role: m.role, Status: m.status, CreatedAt: e.clock.Now()}
			if err := e.s.PutMember(e.ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
		e.d.Raise(e.ctx, e.low("evt_mail"))
		e.close()
		select {
		case m := <-srv.Messages():
			to := slices.Sorted(slices.Values(m.To))
			if !slices.Equal(to, []string{"admin@example.com", "owner@example.com"}) {
				t.Fatalf("sent to %v", to)
			}
			if m.Subject != "[Tollgate] Credits low in Research" || !strings.Contains(m.Body, "fell below 5 credits; it is now 4.5 credits") {
				t.Fatalf("subject %q body:\n%s", m.Subject, m.Body)
			}
		case <-time.After(failAfter):
			t.Fatal("no e-mail")
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("more than one message for one event")
		}
	})
}

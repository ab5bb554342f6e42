package admin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// interleaved is a real backend whose next GetMember of one member runs a
// concurrent actor's write right after the read: it places that write
// exactly between the handler's read and its write-back, the window the race
// needs, without relying on timing.
type interleaved struct {
	Backend
	member string
	next   atomic.Pointer[func()]
}

func (s *interleaved) GetMember(ctx context.Context, ws, id string) (*store.Member, error) {
	m, err := s.Backend.GetMember(ctx, ws, id)
	if id == s.member {
		if f := s.next.Swap(nil); f != nil {
			(*f)()
		}
	}
	return m, err
}

// interleavedEnv serves the admin API of a fresh env over an interleaved
// view of its real backend.
func interleavedEnv(t *testing.T, backend string) (*env, *interleaved) {
	e := newEnvWith(t, backend, nil)
	il := &interleaved{Backend: e.backend}
	h := New(Deps{Store: il, OperatorHash: token.HashOf([]byte(e.op)), Registry: prometheus.NewRegistry(),
		Clock: e.now, Draining: e.draining.Load, Logger: slog.New(slog.NewTextHandler(tlog{t}, nil))})
	first := e.srv
	e.srv = httptest.NewServer(h) // closed by newEnvWith's cleanup, which reads e.srv
	first.Close()
	return e, il
}

// TestStaleMemberWriteIsConflict: a PATCH or DELETE whose read of the member
// was overtaken by an ownership transfer or a removal gets 409 conflict with a
// message saying so, and the workspace keeps exactly one owner and the
// removed member stays removed.
func TestStaleMemberWriteIsConflict(t *testing.T) {
	for _, backend := range backends {
		for _, tc := range []struct {
			name, method string
			body         any
			transfer     bool // the concurrent write: a transfer to A, else A's removal
		}{
			{"PatchAfterTransfer", "PATCH", map[string]any{"rpm": 5}, true},
			{"RemoveAfterTransfer", "DELETE", nil, true},
			{"PatchAfterRemoval", "PATCH", map[string]any{"role": "member"}, false},
		} {
			t.Run(backend+"/"+tc.name, func(t *testing.T) {
				e, il := interleavedEnv(t, backend)
				ow := e.owned("race")
				ws := ow.Workspace.ID
				base := "/v1/workspaces/" + ws + "/members/"
				var a memberTokenResponse
				e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/members", map[string]any{"email": "a@x.io", "role": "admin"}, &a)
				ctx := context.Background()
				concurrent := func() { // runs in the server's goroutine: Errorf, not Fatal
					if tc.transfer {
						if err := e.backend.TransferOwnership(ctx, ws, ow.Owner.ID, a.Member.ID); err != nil {
							t.Errorf("TransferOwnership: %v", err)
						}
						return
					}
					m, err := e.backend.GetMember(ctx, ws, a.Member.ID)
					if err == nil {
						m.Status = store.MemberRemoved
						err = e.backend.PutMember(ctx, m)
					}
					if err != nil {
						t.Errorf("remove: %v", err)
					}
				}
				il.member = a.Member.ID
				il.next.Store(&concurrent)
				e.mustFail(http.StatusConflict, CodeConflict, tc.method, base+a.Member.ID, tc.body,
					"changed while this request ran", "ownership was transferred or the member removed")
				var got memberView
				e.must(http.StatusOK, "GET", base+a.Member.ID, nil, &got)
				switch {
				case tc.transfer && (got.Role != store.RoleOwner || got.Status != string(store.MemberActive)):
					t.Fatalf("A after the transfer: %s %s, want active owner", got.Status, got.Role)
				case !tc.transfer && got.Status != string(store.MemberRemoved):
					t.Fatalf("A after its removal: %s, want removed", got.Status)
				}
				e.oneOwner(ws)
			})
		}
	}
}

// oneOwner fails unless workspace ws lists exactly one member with role owner.
func (e *env) oneOwner(ws string) {
	e.t.Helper()
	var list page[memberView]
	e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/members", nil, &list)
	owners := 0
	for _, m := range list.Items {
		if m.Role == store.RoleOwner {
			owners++
		}
	}
	if owners != 1 {
		e.t.Fatalf("%d owners, want 1: %+v", owners, list.Items)
	}
}

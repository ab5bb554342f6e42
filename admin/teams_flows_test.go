package admin

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// admitOn runs the real admission decision of the env's backend (embedded
// or Redis) for tok against upstream up.
func (e *env) admitOn(tok, up string) limiter.Outcome {
	e.t.Helper()
	p, err := token.Parse([]byte(tok))
	if err != nil {
		e.t.Fatalf("token does not parse: %v", err)
	}
	var d limiter.Decision
	r := limiter.Request{Workspace: string(p.Workspace), TokenHash: token.HashOf([]byte(tok)), Upstream: up}
	if err := e.backend.Admit(context.Background(), &r, &d); err != nil {
		e.t.Fatal(err)
	}
	return d.Outcome
}

// TestUpstreamTransferIsAMove: after a transfer the upstream is gone from
// the source and present in the target; the source's keys get
// UpstreamUnknown at once and the target's keys reach it.
func TestUpstreamTransferIsAMove(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			src, dst := e.workspace("source"), e.workspace("target")
			e.upstreamLLM(src)
			var srcKey, dstKey keyResponse
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+src+"/keys", map[string]any{"name": "s"}, &srcKey)
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+dst+"/keys", map[string]any{"name": "d"}, &dstKey)
			if got := e.admitOn(srcKey.Secret, "llm"); got != limiter.Allowed {
				t.Fatalf("source key before transfer: %v", got)
			}
			var moved upstreamView
			e.must(http.StatusOK, "POST", "/v1/workspaces/"+src+"/upstreams/llm:transfer", map[string]any{"to_workspace": dst}, &moved)
			if moved.WorkspaceID != dst || moved.Name != "llm" {
				t.Fatalf("moved upstream %+v", moved)
			}
			e.mustFail(http.StatusNotFound, CodeNotFound, "GET", "/v1/workspaces/"+src+"/upstreams/llm", nil, "llm")
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+dst+"/upstreams/llm", nil, nil)
			if got := e.admitOn(srcKey.Secret, "llm"); got != limiter.UpstreamUnknown {
				t.Fatalf("source key after transfer: %v, want UpstreamUnknown", got)
			}
			if got := e.admitOn(dstKey.Secret, "llm"); got != limiter.Allowed {
				t.Fatalf("target key after transfer: %v", got)
			}
			e.upstreamLLM(src) // a new one of the same name: a transfer back would overwrite it
			e.mustFail(http.StatusConflict, CodeConflict, "POST", "/v1/workspaces/"+dst+"/upstreams/llm:transfer",
				map[string]any{"to_workspace": src}, "already has")
		})
	}
}

// TestOffboardAcrossWorkspaces: an owner of two workspaces offboards a
// person from both in one call, each reported; a third workspace the caller
// does not manage is neither touched nor reported; with revoke_keys the
// person's keys go too.
func TestOffboardAcrossWorkspaces(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			var one, two ownedWorkspaceResponse
			for _, x := range []*ownedWorkspaceResponse{&one, &two} {
				e.must(http.StatusCreated, "POST", "/v1/workspaces", map[string]any{"name": "x", "owner_email": "x@off.test"}, x)
			}
			other := e.workspace("other")
			tokens := map[string]memberTokenResponse{}
			for ws, role := range map[string]string{one.Workspace.ID: "member", two.Workspace.ID: "admin", other: "member"} {
				var m memberTokenResponse
				e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/members", map[string]any{"email": "p@off.test", "role": role}, &m)
				tokens[ws] = m
			}
			var key keyResponse
			e.as(tokens[two.Workspace.ID].Token, http.StatusCreated, "POST", "/v1/workspaces/"+two.Workspace.ID+"/keys", map[string]any{"name": "p"}, &key)
			var out offboardResponse
			e.as(one.Token, http.StatusOK, "POST", "/v1/offboard", map[string]any{"email": "p@off.test", "revoke_keys": true}, &out)
			got := map[string]offboardResult{}
			for _, r := range out.Results {
				got[r.WorkspaceID] = r
			}
			if len(got) != 2 || !got[one.Workspace.ID].Removed || !got[two.Workspace.ID].Removed {
				t.Fatalf("results %+v, want removed from both of x's workspaces only", out.Results)
			}
			for _, ws := range []string{one.Workspace.ID, two.Workspace.ID} {
				e.as(tokens[ws].Token, http.StatusUnauthorized, "GET", "/v1/me", nil, nil)
				var m memberView
				e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/members/"+tokens[ws].Member.ID, nil, &m)
				if m.Status != string(store.MemberRemoved) {
					t.Fatalf("member in %s is %s after offboarding", ws, m.Status)
				}
			}
			e.as(tokens[other].Token, http.StatusOK, "GET", "/v1/me", nil, nil)
			if got := e.admitOn(key.Secret, "llm"); got != limiter.Revoked {
				t.Fatalf("the offboarded person's key: %v, want Revoked", got)
			}
		})
	}
}

// TestResendExpiredInvitationRechecksSeats: an expired invitation frees its
// seat, so resending it is refused with seat_limit while another took the
// seat, and succeeds once a seat is free again (fake clock).
func TestResendExpiredInvitationRechecksSeats(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("seats")
			ws := ow.Workspace.ID
			e.must(http.StatusOK, "PUT", "/v1/plans/two-seats", map[string]any{"seats": 2, "keys": 0}, nil)
			e.must(http.StatusOK, "PUT", "/v1/workspaces/"+ws+"/plan", map[string]any{"plan": "two-seats"}, nil)
			late := e.invite(ow.Token, ws, "late@seats.test")
			resend := "/v1/workspaces/" + ws + "/invitations/" + late.Invitation.ID + ":resend"
			e.as(ow.Token, http.StatusOK, "POST", resend, nil, nil) // pending: it holds its own seat
			e.advance(store.InvitationTTL + time.Second)
			taker := e.invite(ow.Token, ws, "taker@seats.test") // the freed seat
			e.mustFail(http.StatusUnprocessableEntity, CodeSeatLimit, "POST", resend, nil, "2 of 2", `"two-seats"`)
			e.as(ow.Token, http.StatusOK, "POST", "/v1/workspaces/"+ws+"/invitations/"+taker.Invitation.ID+":cancel", nil, nil)
			var re invitationResponse
			e.as(ow.Token, http.StatusOK, "POST", resend, nil, &re)
			if re.Invitation.Status != "pending" || !re.Invitation.ExpiresAt.Equal(e.now().Add(store.InvitationTTL)) {
				t.Fatalf("resent invitation %+v", re.Invitation)
			}
			e.mustFail(http.StatusUnprocessableEntity, CodeSeatLimit, "POST", "/v1/workspaces/"+ws+"/invitations",
				map[string]any{"email": "third@seats.test", "role": "member"}, "2 of 2")
		})
	}
}

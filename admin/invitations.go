package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type invitationView struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	Status      string    `json:"status"` // pending, accepted, declined, cancelled or expired
	InvitedBy   string    `json:"invited_by"`
	AcceptedBy  string    `json:"accepted_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func viewInvitation(i *store.Invitation, now time.Time) invitationView {
	return invitationView{ID: i.ID, WorkspaceID: i.WorkspaceID, Email: i.Email, Role: i.Role,
		Status: string(i.State(now)), InvitedBy: i.InvitedBy, AcceptedBy: i.AcceptedBy,
		CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt}
}

type createInvitationRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// createInvitation invites a person by email. The store checks atomically
// that the plan's seats (active members plus pending invitations) are not
// all taken and that the email is neither invited nor a member.
func (a *api) createInvitation(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	var req createInvitationRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := firstErr(checkEmail(req.Email), roleOfInvitee("role", req.Role)); err != nil {
		return err
	}
	p, err := a.plan(r.Context(), ws.Plan)
	if err != nil {
		return err
	}
	code, err := token.New(token.Invite, ws.ID)
	if err != nil {
		return err
	}
	c, now := callerOf(r), a.now().UTC()
	inv := &store.Invitation{ID: token.NewID(), WorkspaceID: ws.ID, Email: strings.ToLower(req.Email),
		Role: req.Role, CodeHash: token.HashOf([]byte(code)), Status: store.InvitationPending,
		InvitedBy: inviterID(c), CreatedAt: now, ExpiresAt: now.Add(store.InvitationTTL)}
	if err := a.store.CreateInvitation(r.Context(), inv, p.Seats, now); err != nil {
		return invitationRefusal(err, inv, p)
	}
	c.target("invitation", inv.ID)
	c.audit.detail = "invited " + inv.Email + " as " + inv.Role
	return writeJSON(w, http.StatusCreated, a.deliverAndRecord(r, ws, inv, code, inviterName(c)))
}

func (a *api) listInvitations(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	all, err := a.store.ListInvitations(r.Context(), ws)
	if err != nil {
		return err
	}
	now := a.now()
	return listResponse(w, r, all, nil, func(i *store.Invitation) string { return i.ID },
		func(i *store.Invitation) invitationView { return viewInvitation(i, now) })
}

// resendInvitation issues a new code (the old one stops working) and resets
// the expiry; a pending or expired invitation may be resent. An expired one
// holds no seat, so the store re-checks seats and duplicates atomically, as
// for a new invitation (store.Teams.ReopenInvitation).
func (a *api) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	inv, err := a.invitation(r, ws.ID)
	if err != nil {
		return err
	}
	now := a.now().UTC()
	if inv.Status != store.InvitationPending {
		return errConflict("invitation %q is %s; only a pending or expired one is resent", inv.ID, inv.State(now))
	}
	p, err := a.plan(r.Context(), ws.Plan)
	if err != nil {
		return err
	}
	code, err := token.New(token.Invite, ws.ID)
	if err != nil {
		return err
	}
	inv.CodeHash, inv.ExpiresAt = token.HashOf([]byte(code)), now.Add(store.InvitationTTL)
	inv.Mailed = false // until the e-mail has gone out without the code coming back here
	if err := a.store.ReopenInvitation(r.Context(), inv, p.Seats, now); err != nil {
		return invitationRefusal(err, inv, p)
	}
	c := callerOf(r)
	c.target("invitation", inv.ID)
	return writeJSON(w, http.StatusOK, a.deliverAndRecord(r, ws, inv, code, inviterName(c)))
}

// invitationRefusal maps a store refusal of a new or reopened invitation to
// the API's error: seat_limit with the numbers, or a conflict naming why.
func invitationRefusal(err error, inv *store.Invitation, p *store.Plan) error {
	var seats *store.SeatError
	switch {
	case errors.As(err, &seats):
		return newError(http.StatusUnprocessableEntity, CodeSeatLimit,
			"seat limit reached: %d of %d seats taken (members and pending invitations) on plan %q",
			seats.Used, seats.Limit, p.Name)
	case errors.Is(err, store.ErrExists):
		return errConflict("email: %s already has a pending invitation or is an active member", inv.Email)
	}
	return stateConflict(err, inv)
}

func (a *api) cancelInvitation(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	inv, err := a.invitation(r, ws)
	if err != nil {
		return err
	}
	if inv.Status != store.InvitationPending {
		return errConflict("invitation %q is %s; only a pending one is cancelled", inv.ID, inv.State(a.now()))
	}
	inv.Status = store.InvitationCancelled
	if err := a.store.UpdateInvitation(r.Context(), inv, store.InvitationPending); err != nil {
		return stateConflict(err, inv)
	}
	callerOf(r).target("invitation", inv.ID)
	return writeJSON(w, http.StatusOK, viewInvitation(inv, a.now()))
}

// invitation loads the {id} invitation of workspace ws.
func (a *api) invitation(r *http.Request, ws string) (*store.Invitation, error) {
	id := r.PathValue("id")
	inv, err := a.store.GetInvitation(r.Context(), ws, id)
	return inv, notFound(err, "invitation", id)
}

// stateConflict names the invitation when another call changed it first.
func stateConflict(err error, inv *store.Invitation) error {
	if errors.Is(err, store.ErrConflict) {
		return errConflict("invitation %q changed state meanwhile; reload it", inv.ID)
	}
	return err
}

func inviterID(c *caller) string {
	if c.member == nil {
		return "operator"
	}
	return c.member.ID
}

func inviterName(c *caller) string {
	if c.member == nil {
		return "The gateway operator"
	}
	return c.member.Email
}

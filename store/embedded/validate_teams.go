package embedded

import (
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

func validateAccount(a *store.Account) error {
	switch {
	case a == nil:
		return invalid("account is nil")
	case a.ID == "":
		return invalid("account id is empty")
	case a.Email == "":
		return invalid("account %q has no email", a.ID)
	case !strings.Contains(a.Email, "@"):
		return invalid("account %q email %q has no @", a.ID, a.Email)
	}
	return nil
}

func validatePlan(p *store.Plan) error {
	switch {
	case p == nil:
		return invalid("plan is nil")
	case p.Name == "":
		return invalid("plan name is empty")
	case p.Seats < 0:
		return invalid("plan %q seats %d is negative", p.Name, p.Seats)
	case p.Keys < 0:
		return invalid("plan %q keys %d is negative", p.Name, p.Keys)
	}
	return validateLimits(p.Limits)
}

// validateInvitation checks the fields every stored invitation has.
func validateInvitation(inv *store.Invitation) error {
	switch {
	case inv == nil:
		return invalid("invitation is nil")
	case inv.ID == "":
		return invalid("invitation id is empty")
	case inv.WorkspaceID == "":
		return invalid("invitation %q has no workspace id", inv.ID)
	case inv.Email == "":
		return invalid("invitation %q has no email", inv.ID)
	case inv.Role != store.RoleAdmin && inv.Role != store.RoleMember && inv.Role != store.RoleReader:
		return invalid("invitation %q has role %q; invitations are for admin, member or reader", inv.ID, inv.Role)
	case inv.CodeHash == token.Hash{}:
		return invalid("invitation %q has no code hash", inv.ID)
	}
	switch inv.Status {
	case "", store.InvitationPending, store.InvitationAccepted, store.InvitationDeclined, store.InvitationCancelled:
		return nil
	}
	return invalid("invitation %q has status %q; stored statuses are pending, accepted, declined or cancelled", inv.ID, inv.Status)
}

func validateAudit(e *store.AuditEntry) error {
	switch {
	case e == nil:
		return invalid("audit entry is nil")
	case e.WorkspaceID == "":
		return invalid("audit entry %q has no workspace id", e.ID)
	case e.Action == "":
		return invalid("audit entry %q has no action", e.ID)
	case e.ActorKind != "operator" && e.ActorKind != "member":
		return invalid("audit entry %q has actor kind %q; want operator or member", e.ID, e.ActorKind)
	}
	return nil
}

func validateAuditQuery(q store.AuditQuery) error {
	if q.Limit < 0 {
		return invalid("audit limit %d is negative", q.Limit)
	}
	return nil
}

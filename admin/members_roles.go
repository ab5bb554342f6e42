package admin

import "github.com/tollgate-dev/tollgate/store"

// checkOwner keeps one owner per workspace: it refuses a second active
// owner, and refuses to demote the owner (ownership moves only through
// owner:transfer). self is the member whose role changes ("" for a new one).
func checkOwner(members []store.Member, self, role string) error {
	for _, m := range members {
		switch {
		case m.Status != store.MemberActive:
		case m.ID == self && m.Role == "owner" && role != "owner":
			return errConflict("role: the owner cannot be demoted; transfer ownership first")
		case m.ID != self && m.Role == "owner" && role == "owner":
			return errConflict("role: the workspace already has an owner (%s)", m.ID)
		}
	}
	return nil
}

// roleOfInvitee accepts the roles a person can be given: admin, member or
// reader (owner comes only by ownership transfer).
func roleOfInvitee(field, role string) error {
	switch role {
	case store.RoleAdmin, store.RoleMember, store.RoleReader:
		return nil
	case store.RoleOwner:
		return errUnprocessable("%s: owner is given only by ownership transfer", field)
	}
	return errInvalid("%s: must be admin, member or reader, got %q", field, role)
}

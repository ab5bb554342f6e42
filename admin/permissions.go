package admin

import "github.com/tollgate-dev/tollgate/store"

// Permission names one row of the permission table (SPEC.md §2). Every
// authenticated route declares the one permission it needs; allowed decides.
type Permission string

// Permissions of SPEC.md §2, plus two that are not role rules:
// PermAuthenticated (any valid caller) and PermOperator (the operator only).
const (
	PermUseGateway         Permission = "use_gateway"
	PermViewMembers        Permission = "view_members"
	PermViewUpstreams      Permission = "view_upstreams"
	PermViewOwnUsage       Permission = "view_own_usage"
	PermViewWorkspaceUsage Permission = "view_workspace_usage"
	PermViewAudit          Permission = "view_audit"
	PermRegisterUpstream   Permission = "register_upstream"
	PermEditUpstream       Permission = "edit_upstream"
	PermInvite             Permission = "invite"
	PermRemoveMember       Permission = "remove_member"
	PermChangeRole         Permission = "change_role"
	PermManageKeys         Permission = "manage_keys"
	PermOwnToken           Permission = "own_token"
	PermSetMemberLimits    Permission = "set_member_limits"
	PermViewCredits        Permission = "view_credits"
	PermBilling            Permission = "billing"
	PermDeleteWorkspace    Permission = "delete_workspace"
	PermTransferOwnership  Permission = "transfer_ownership"
	PermRenameWorkspace    Permission = "rename_workspace"
	PermSetWorkspaceLimits Permission = "set_workspace_limits"
	PermManageWebhooks     Permission = "manage_webhooks"
	PermManageToolPolicies Permission = "manage_tool_policies"

	PermAuthenticated Permission = "authenticated" // any operator or active member
	PermOperator      Permission = "operator"      // the operator token only
)

// permissionRow is one row of the table: the roles that hold the permission
// and what it covers, for the generated docs.
type permissionRow struct {
	Perm  Permission
	Roles []string // owner, admin, member, reader; the operator holds every permission
	Doc   string
	Note  string // a rule beyond the role, enforced by the handler
}

// permissionTable is THE permission table of SPEC.md §2. Handlers never test
// roles themselves except through allowed and the owner rules below, and
// docs/permissions.md is generated from this table.
var permissionTable = func() []permissionRow {
	o, a, m, r := store.RoleOwner, store.RoleAdmin, store.RoleMember, store.RoleReader
	return []permissionRow{
		{PermUseGateway, []string{o, a, m}, "use the gateway (inference, tool calls)", ""},
		{PermViewMembers, []string{o, a, m, r}, "view members", ""},
		{PermViewUpstreams, []string{o, a, m, r}, "view upstreams and their MCP tool policies", "tool policies narrowed to one key are listed only to holders of manage_keys"},
		{PermViewOwnUsage, []string{o, a, m, r}, "view own usage", "without view_workspace_usage, GET …/usage counts only the caller's own traffic"},
		{PermViewWorkspaceUsage, []string{o, a, r}, "view the whole workspace's usage analytics", ""},
		{PermViewAudit, []string{o, a, r}, "view and export the audit log and the audit trail of proxied requests", ""},
		{PermRegisterUpstream, []string{o, a, m}, "register upstreams (assets)", ""},
		{PermEditUpstream, []string{o, a}, "edit, delete, transfer upstreams", "transfer: owner or admin in both workspaces"},
		{PermInvite, []string{o, a}, "invite members, list, cancel and resend invitations", ""},
		{PermRemoveMember, []string{o, a}, "remove members; revoke another member's token", "admin: not the owner; nobody removes the owner"},
		{PermChangeRole, []string{o, a}, "change roles", "never to or from owner (use ownership transfer)"},
		{PermManageKeys, []string{o, a}, "create, list, revoke workspace keys; set their limits", ""},
		{PermOwnToken, []string{o, a, m, r}, "rotate or revoke one's own member token", ""},
		{PermSetMemberLimits, []string{o, a}, "set member spend caps and rate-limit overrides", ""},
		{PermViewCredits, []string{o, a}, "view credits, transactions and billing settings", ""},
		{PermBilling, []string{o}, "top up, redeem vouchers, auto top-up, change plan", "top-ups and adjustments are the operator's; the owner redeems vouchers and sets billing"},
		{PermDeleteWorkspace, []string{o}, "delete the workspace", "personal workspaces cannot be deleted"},
		{PermTransferOwnership, []string{o}, "transfer ownership", "to an active admin; the old owner becomes an admin"},
		{PermRenameWorkspace, []string{o, a}, "rename the workspace", ""},
		{PermSetWorkspaceLimits, []string{o, a}, "set the workspace's rate and token limits and default monthly caps", ""},
		{PermManageWebhooks, []string{o, a}, "configure alert webhooks and read their delivery log", ""},
		{PermManageToolPolicies, []string{o, a}, "set and delete MCP tool policies (per upstream, narrowed per role or key)", ""},
		{PermAuthenticated, []string{o, a, m, r}, "calls outside one workspace's rules (own workspaces, plans, /v1/me)", "members act as their account"},
		{PermOperator, nil, "operator-only calls (plans, direct member add, pricing, top-ups, vouchers)", ""},
	}
}()

// permissionRoles indexes permissionTable.
var permissionRoles = func() map[Permission]map[string]bool {
	out := make(map[Permission]map[string]bool, len(permissionTable))
	for _, row := range permissionTable {
		set := map[string]bool{}
		for _, role := range row.Roles {
			set[role] = true
		}
		out[row.Perm] = set
	}
	return out
}()

// allowed reports whether c holds p: the operator holds every permission, a
// member holds those of its role. An unknown permission is never held.
func allowed(c *caller, p Permission) bool {
	if c == nil {
		return false
	}
	if c.operator {
		return true
	}
	return permissionRoles[p][c.member.Role]
}

// roleAllowed reports whether role holds p; it is allowed without a caller.
func roleAllowed(role string, p Permission) bool { return permissionRoles[p][role] }

// canRemove applies the owner rules of remove_member on top of the table:
// nobody removes the owner, and the caller must hold remove_member.
func canRemove(c *caller, target *store.Member) error {
	if !allowed(c, PermRemoveMember) {
		return errForbidden(PermRemoveMember)
	}
	if target.Role == store.RoleOwner {
		return errUnprocessable("the owner cannot be removed; transfer ownership first")
	}
	return nil
}

// canChangeRole applies the owner rules of change_role: never to or from
// owner, for anyone (ownership moves only by transfer).
func canChangeRole(c *caller, target *store.Member, role string) error {
	if !allowed(c, PermChangeRole) {
		return errForbidden(PermChangeRole)
	}
	if target.Role == store.RoleOwner {
		return errUnprocessable("role: the owner's role cannot change; transfer ownership first")
	}
	if role == store.RoleOwner {
		return errUnprocessable("role: nobody becomes owner by a role change; use POST /v1/workspaces/{ws}/owner:transfer")
	}
	return nil
}

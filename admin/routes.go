package admin

// routes lists every endpoint under its documented pattern. A pattern may end
// a wildcard segment with a custom method, as in {id}:resend; groupRoutes
// maps those onto ServeMux patterns.
func (a *api) routes() []route {
	const ws = "/v1/workspaces/{ws}"
	return []route{
		{"GET", "/healthz", a.healthz, true, "", ""},
		{"GET", "/readyz", a.readyz, true, "", ""},
		{"GET", "/v1/openapi.json", serveOpenAPI, true, "", ""},
		{"POST", "/v1/invitations:accept", a.acceptInvitation, true, "", "invitation.accept"},
		{"GET", "/v1/invitations:accept", a.acceptHint, true, "", ""},
		{"POST", "/v1/invitations:decline", a.declineInvitation, true, "", "invitation.decline"},

		{"GET", "/v1/me", a.me, false, PermAuthenticated, ""},
		{"POST", "/v1/workspaces", a.createWorkspace, false, PermAuthenticated, "workspace.create"},
		{"GET", "/v1/workspaces", a.listWorkspaces, false, PermAuthenticated, ""},
		{"GET", ws, a.getWorkspace, false, PermViewMembers, ""},
		{"PATCH", ws, a.renameWorkspace, false, PermRenameWorkspace, "workspace.rename"},
		{"DELETE", ws, a.deleteWorkspace, false, PermDeleteWorkspace, "workspace.delete"},
		{"PUT", ws + "/limits", a.setLimits, false, PermSetWorkspaceLimits, "workspace.limits"},
		{"PUT", ws + "/plan", a.setPlan, false, PermBilling, "workspace.plan"},
		{"POST", ws + "/owner:transfer", a.transferOwnership, false, PermTransferOwnership, "workspace.owner_transfer"},

		{"POST", ws + "/members", a.createMember, false, PermOperator, "member.create"},
		{"GET", ws + "/members", a.listMembers, false, PermViewMembers, ""},
		{"GET", ws + "/members/{id}", a.getMember, false, PermViewMembers, ""},
		{"PATCH", ws + "/members/{id}", a.updateMember, false, PermChangeRole, "member.update"},
		{"DELETE", ws + "/members/{id}", a.removeMember, false, PermRemoveMember, "member.remove"},
		{"POST", ws + "/members/{id}/token:rotate", a.rotateMemberToken, false, PermOwnToken, "member.token_rotate"},
		{"POST", "/v1/offboard", a.offboard, false, PermAuthenticated, ""},

		{"POST", ws + "/tokens/self:rotate", a.rotateOwnToken, false, PermOwnToken, "token.self_rotate"},
		{"DELETE", ws + "/tokens/self", a.revokeOwnToken, false, PermOwnToken, "token.self_revoke"},
		{"DELETE", ws + "/tokens/{id}", a.revokeToken, false, PermRemoveMember, "token.revoke"},

		{"POST", ws + "/invitations", a.createInvitation, false, PermInvite, "invitation.create"},
		{"GET", ws + "/invitations", a.listInvitations, false, PermInvite, ""},
		{"POST", ws + "/invitations/{id}:resend", a.resendInvitation, false, PermInvite, "invitation.resend"},
		{"POST", ws + "/invitations/{id}:cancel", a.cancelInvitation, false, PermInvite, "invitation.cancel"},

		{"POST", ws + "/keys", a.createKey, false, PermManageKeys, "key.create"},
		{"GET", ws + "/keys", a.listKeys, false, PermManageKeys, ""},
		{"PATCH", ws + "/keys/{id}", a.updateKey, false, PermManageKeys, "key.update"},
		{"DELETE", ws + "/keys/{id}", a.revokeKey, false, PermManageKeys, "key.revoke"},

		{"POST", ws + "/upstreams", a.createUpstream, false, PermRegisterUpstream, "upstream.create"},
		{"GET", ws + "/upstreams", a.listUpstreams, false, PermViewUpstreams, ""},
		{"GET", ws + "/upstreams/{name}", a.getUpstream, false, PermViewUpstreams, ""},
		{"PUT", ws + "/upstreams/{name}", a.replaceUpstream, false, PermEditUpstream, "upstream.replace"},
		{"DELETE", ws + "/upstreams/{name}", a.deleteUpstream, false, PermEditUpstream, "upstream.delete"},
		{"POST", ws + "/upstreams/{name}:transfer", a.transferUpstream, false, PermEditUpstream, "upstream.transfer"},

		{"GET", ws + "/tool-policies", a.listToolPolicies, false, PermViewUpstreams, ""},
		{"PUT", ws + "/tool-policies/{name}", a.putWorkspaceToolPolicy, false, PermManageToolPolicies, "tool_policy.put"},
		{"DELETE", ws + "/tool-policies/{name}", a.deleteWorkspaceToolPolicy, false, PermManageToolPolicies, "tool_policy.delete"},
		{"PUT", ws + "/tool-policies/{name}/roles/{role}", a.putRoleToolPolicy, false, PermManageToolPolicies, "tool_policy.put"},
		{"DELETE", ws + "/tool-policies/{name}/roles/{role}", a.deleteRoleToolPolicy, false, PermManageToolPolicies, "tool_policy.delete"},
		{"PUT", ws + "/tool-policies/{name}/keys/{id}", a.putKeyToolPolicy, false, PermManageToolPolicies, "tool_policy.put"},
		{"DELETE", ws + "/tool-policies/{name}/keys/{id}", a.deleteKeyToolPolicy, false, PermManageToolPolicies, "tool_policy.delete"},

		{"POST", "/v1/upstreams", a.createPublicUpstream, false, PermOperator, "upstream.public_create"},
		{"GET", "/v1/upstreams", a.listPublicUpstreams, false, PermOperator, ""},
		{"GET", "/v1/upstreams/{name}", a.getPublicUpstream, false, PermOperator, ""},
		{"PUT", "/v1/upstreams/{name}", a.replacePublicUpstream, false, PermOperator, "upstream.public_replace"},
		{"DELETE", "/v1/upstreams/{name}", a.deletePublicUpstream, false, PermOperator, "upstream.public_delete"},

		{"GET", "/v1/plans", a.listPlans, false, PermAuthenticated, ""},
		{"PUT", "/v1/plans/{name}", a.putPlan, false, PermOperator, "plan.put"},
		{"GET", "/v1/pricing", a.getPricing, false, PermOperator, ""},
		{"POST", "/v1/pricing/reload", a.reloadPricing, false, PermOperator, "pricing.reload"},

		{"GET", ws + "/audit", a.listAudit, false, PermViewAudit, ""},
		{"GET", ws + "/audit:export", a.exportAudit, false, PermViewAudit, ""},
		{"GET", "/v1/audit", a.listSystemAudit, false, PermOperator, ""},
		{"GET", "/v1/audit:export", a.exportSystemAudit, false, PermOperator, ""},
		{"GET", ws + "/usage", a.usage, false, PermViewOwnUsage, ""},
		{"GET", ws + "/usage/me", a.myUsage, false, PermViewOwnUsage, ""},
		{"GET", ws + "/requests", a.listRequests, false, PermViewAudit, ""},

		{"GET", ws + "/credits", a.getCredits, false, PermViewCredits, ""},
		{"POST", ws + "/credits/topup", a.topUp, false, PermOperator, "credits.topup"},
		{"POST", ws + "/credits/adjust", a.adjustCredits, false, PermOperator, "credits.adjust"},
		{"GET", ws + "/transactions", a.listTransactions, false, PermViewCredits, ""},
		{"GET", ws + "/billing", a.getBilling, false, PermViewCredits, ""},
		{"PUT", ws + "/billing", a.setBilling, false, PermBilling, "workspace.billing"},
		{"POST", "/v1/vouchers", a.createVoucher, false, PermOperator, "voucher.create"},
		{"GET", "/v1/vouchers", a.listVouchers, false, PermOperator, ""},
		{"POST", ws + "/vouchers/redeem", a.redeemVoucher, false, PermBilling, "voucher.redeem"},

		{"POST", ws + "/webhooks", a.createWebhook, false, PermManageWebhooks, "webhook.create"},
		{"GET", ws + "/webhooks", a.listWebhooks, false, PermManageWebhooks, ""},
		{"DELETE", ws + "/webhooks/{id}", a.deleteWebhook, false, PermManageWebhooks, "webhook.delete"},
		{"GET", ws + "/webhooks/{id}/deliveries", a.listDeliveries, false, PermManageWebhooks, ""},
		{"GET", ws + "/deliveries", a.listDeliveries, false, PermManageWebhooks, ""},
	}
}

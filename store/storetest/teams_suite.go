package storetest

import (
	"testing"
)

// RunTeams runs the store.Teams part of the contract (accounts, workspace
// update and delete, invitations with seats, plans, the audit log, roles and
// last-active times in admission) against the backend that open builds.
// Every subtest gets its own store and clock.
func RunTeams(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, teamsCases, withTeams)
}

// RunAll runs every part of the contract against the backend that open builds.
func RunAll(t *testing.T, open Opener) {
	t.Helper()
	for _, part := range []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Store", Run}, {"Teams", RunTeams}, {"Keys", RunKeys}, {"MemberGuards", RunMemberGuards},
		{"Public", RunPublic}, {"UpstreamDelete", RunUpstreamDelete}, {"UpstreamCreate", RunUpstreamCreate},
		{"UpstreamUpdate", RunUpstreamUpdate}, {"Money", RunMoney}, {"Tools", RunTools},
	} {
		t.Run(part.name, func(t *testing.T) { part.run(t, open) })
	}
}

// teamsCases lists the store.Teams properties, each named for the property.
var teamsCases = []struct {
	name string
	run  func(t *testing.T, e *tenv)
}{
	{"AccountCRUDAndUniqueEmail", testAccountCRUD},
	{"ListMembershipsAcrossWorkspaces", testListMemberships},
	{"UpdateWorkspace", testUpdateWorkspace},
	{"DeleteWorkspaceRemovesEverything", testDeleteWorkspace},
	{"GetTokenByHashIsCurrent", testGetTokenByHash},
	{"InvitationCRUD", testInvitationCRUD},
	{"InvitationDuplicateEmailExists", testInvitationDuplicate},
	{"InvitationSeatsCountMembersAndPending", testInvitationSeats},
	{"InvitationExpiredFreesSeatAndEmail", testInvitationExpired},
	{"InvitationSeatsZeroUnlimited", testInvitationUnlimited},
	{"InvitationRaceForLastSeat", testInvitationRace},
	{"UpdateInvitationComparesStatus", testUpdateInvitation},
	{"ReopenInvitationKeepsItsSeat", testReopenInvitation},
	{"ReopenExpiredInvitationChecksSeats", testReopenExpiredChecksSeats},
	{"InvitationMailedPersists", testInvitationMailed},
	{"TransferOwnershipIsOneStep", testTransferOwnership},
	{"TransferOwnershipRace", testTransferOwnershipRace},
	{"AcceptInvitationCreatesMemberAndToken", testAcceptInvitation},
	{"AcceptInvitationRefusals", testAcceptRefusals},
	{"AcceptInvitationActiveAccountExists", testAcceptActiveAccount},
	{"PlanCRUD", testPlanCRUD},
	{"AuditAppendAndFilter", testAudit},
	{"AdmitReaderRoleForbidden", testAdmitReader},
	{"AdmitRoleChangeSeenAtOnce", testRoleChangeNextAdmit},
	{"AdmitRecordsLastActiveAndLastUsed", testLastActive},
	{"PutMemberKeepsLastActive", testPutMemberKeepsLastActive},
}

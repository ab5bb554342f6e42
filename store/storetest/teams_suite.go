package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TeamsStore is a backend that implements both store.Store and store.Teams.
// It is an alias, so a plain interface{ store.Store; store.Teams } fits too.
type TeamsStore = interface {
	store.Store
	store.Teams
}

// RunTeams runs the store.Teams part of the contract (accounts, workspace
// update and delete, invitations with seats, plans, the audit log, roles and
// last-active times in admission) against the backend that open builds.
// Every subtest gets its own store and clock.
func RunTeams(t *testing.T, open func(t *testing.T, clock *FakeClock) interface {
	store.Store
	store.Teams
}) {
	t.Helper()
	for _, c := range teamsCases {
		t.Run(c.name, func(t *testing.T) {
			var tm store.Teams
			e := newEnv(t, func(t *testing.T, clock *FakeClock) store.Store {
				s := open(t, clock)
				tm = s
				return s
			})
			c.run(t, &tenv{env: e, tm: tm})
		})
	}
}

// RunAll runs Run, RunTeams, RunKeys, RunMemberGuards, RunPublic, RunUpstreamDelete and RunUpstreamCreate against the backend that open builds.
func RunAll(t *testing.T, open func(t *testing.T, clock *FakeClock) interface {
	store.Store
	store.Teams
}) {
	t.Helper()
	t.Run("Store", func(t *testing.T) {
		Run(t, func(t *testing.T, clock *FakeClock) store.Store { return open(t, clock) })
	})
	t.Run("Teams", func(t *testing.T) { RunTeams(t, open) })
	t.Run("Keys", func(t *testing.T) { RunKeys(t, open) })
	t.Run("MemberGuards", func(t *testing.T) { RunMemberGuards(t, open) })
	t.Run("Public", func(t *testing.T) {
		RunPublic(t, func(t *testing.T, clock *FakeClock) store.Store { return open(t, clock) })
	})
	t.Run("UpstreamDelete", func(t *testing.T) {
		RunUpstreamDelete(t, func(t *testing.T, clock *FakeClock) store.Store { return open(t, clock) })
	})
	t.Run("UpstreamCreate", func(t *testing.T) {
		RunUpstreamCreate(t, func(t *testing.T, clock *FakeClock) store.Store { return open(t, clock) })
	})
	t.Run("UpstreamUpdate", func(t *testing.T) {
		RunUpstreamUpdate(t, func(t *testing.T, clock *FakeClock) store.Store { return open(t, clock) })
	})
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

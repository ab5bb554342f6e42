package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// Opener returns a fresh store whose time source for rate limits is clock.
// The suite closes the store when the subtest ends.
type Opener func(t *testing.T, clock *FakeClock) store.Store

// Run runs the store.Store part of the contract against the backend that
// open builds. Every subtest gets its own store and clock.
func Run(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, cases, plain)
}

// runCases runs each case in a subtest of its own, on a fresh store and
// clock that wrap turns into the case's fixture.
func runCases[E any](t *testing.T, open Opener, cs []struct {
	name string
	run  func(t *testing.T, e E)
}, wrap func(*env) E) {
	t.Helper()
	for _, c := range cs {
		t.Run(c.name, func(t *testing.T) { c.run(t, wrap(newEnv(t, open))) })
	}
}

// plain is the fixture of cases that need only env; withTeams adds the
// Teams view (the same store) that the teams cases use.
func plain(e *env) *env      { return e }
func withTeams(e *env) *tenv { return &tenv{env: e, tm: e.s} }

// cases lists the properties the suite checks, each named for the property.
var cases = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"WorkspaceCRUD", testWorkspaceCRUD},
	{"WorkspaceUnknownIsNotFound", testWorkspaceUnknown},
	{"MemberCRUD", testMemberCRUD},
	{"TokenCRUD", testTokenCRUD},
	{"TokenDuplicateIDOrHashExists", testTokenDuplicate},
	{"RevokeTokenIsIdempotent", testRevokeIdempotent},
	{"UpstreamCRUD", testUpstreamCRUD},
	{"RecordsInUnknownWorkspaceAreNotFound", testUnknownWorkspaceWrites},
	{"AdmitAllowedFillsDecision", testAdmitAllowed},
	{"AdmitUnknownToken", testAdmitUnknown},
	{"AdmitRevokedToken", testAdmitRevoked},
	{"AdmitExpiredToken", testAdmitExpired},
	{"AdmitRemovedMember", testAdmitRemovedMember},
	{"AdmitKeySurvivesCreatorRemoval", testKeySurvivesRemoval},
	{"AdmitUpstreamUnknown", testAdmitUpstreamUnknown},
	{"AdmitForbiddenUpstream", testAdmitForbidden},
	{"AdmitOutcomesInDocumentedOrder", testAdmitOrder},
	{"RevocationSeenByNextAdmit", testRevocationNextAdmit},
	{"RemovalSeenByNextAdmit", testRemovalNextAdmit},
	{"WorkspaceLimitChangeSeenAtOnce", testSetLimitsAtOnce},
	{"MemberOverrideSeenAtOnce", testMemberOverrideAtOnce},
	{"KeyLimitsApply", testKeyLimits},
	{"MemberLimitCountedPerMember", testCountedPerMember},
	{"OnlyAdmittedRequestsCounted", testOnlyAdmittedCounted},
	{"RemainingDecreases", testRemainingDecreases},
	{"WorkspaceRPMAcrossTokens", testWorkspaceAcrossTokens},
	{"UpstreamRevChanges", testUpstreamRev},
	{"ConcurrentAdmitsExactlyLimit", testConcurrentExact},
	{"RetryAfterAndResetExact", testRetryAfterExact},
	{"WindowWorstCaseNeverExceedsLimit", testWindowWorstCase},
	{"DecisionsMatchReferenceWindow", testMatchesReference},
}

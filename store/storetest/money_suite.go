package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// MoneyStore is a store that also implements the money contract. Store
// embeds Money once every backend implements it; until then the suite takes
// both halves.
type MoneyStore interface {
	store.Store
	store.Money
}

// MoneyOpener returns a fresh MoneyStore whose time source is clock, with
// the default hold lifetime (1 h) and request retention (30 days). The
// suite closes the store when the subtest ends.
type MoneyOpener func(t *testing.T, clock *FakeClock) MoneyStore

// RunMoney runs the store.Money part of the contract (holds and settlement,
// token limits, monthly caps, the balance and its ledger, alerts, vouchers,
// usage roll-ups, the request audit trail, webhooks) against the backend
// that open builds. Every subtest gets its own store and clock.
func RunMoney(t *testing.T, open MoneyOpener) {
	t.Helper()
	plainOpen := func(t *testing.T, clock *FakeClock) store.Store { return open(t, clock) }
	runCases(t, plainOpen, moneyCases, withMoney)
}

// moneyCases lists the store.Money properties, each named for the property.
var moneyCases = []struct {
	name string
	run  func(t *testing.T, e *menv)
}{
	{"HoldAndSettleExact", testHoldSettleExact},
	{"SettleIsIdempotent", testSettleIdempotent},
	{"SettleWithoutHoldChargesOnce", testSettleWithoutHold},
	{"NoCreditsWhenEstimateExceedsAvailable", testNoCredits},
	{"ZeroEstimateRefusedOnlyBelowZero", testZeroEstimate},
	{"EmptyRequestIDHoldsNothing", testEmptyRequestID},
	{"MoneyChecksInDocumentedOrder", testMoneyOrder},
	{"NothingWrittenOnDenial", testNothingWrittenOnDenial},
	{"HoldExpirySettlesAtEstimate", testHoldExpiry},
	{"HoldExpirySettledByAdmitAndSettle", testHoldExpiryByAdmitAndSettle},
	{"MemberCapRefusesUntilNextPeriod", testMemberCapPeriod},
	{"AnchorDayHonoured", testAnchorDay},
	{"KeyCapCountedPerKey", testKeyCap},
	{"KeyModelCreditAndTokenCaps", testKeyModelCaps},
	{"SeveralCapsReportFirstInOrder", testCapOrder},
	{"SettleAcrossPeriodsChargesHoldPeriod", testSettleAcrossPeriods},
	{"CapNoticeOncePerPeriod", testCapNotice},
	{"MemberTPMCountsHeldTokens", testMemberTPM},
	{"KeyAndKeyModelTPM", testKeyTPM},
	{"WorkspaceTPMAcrossTokens", testWorkspaceTPM},
	{"SettleCorrectsTPMInHoldBucket", testSettleCorrectsTPM},
	{"TokenCountInputOutput", testTokenCount},
	{"AddCreditsIdempotentByID", testAddCreditsIdempotent},
	{"AddCreditsKindsAndSigns", testAddCreditsKinds},
	{"TransactionsNewestFirstPaged", testTransactionsPaged},
	{"CreditAlertsOncePerCrossingRearmedByTopUp", testCreditAlerts},
	{"CreditAlertsExactlyOnceUnderRace", testCreditAlertsOnce},
	{"UsageRowsByDimensionAndHour", testUsageRows},
	{"RequestsNewestFirstPagedAndFiltered", testRequestsPaged},
	{"RequestsRetention", testRequestsRetention},
	{"ConcurrentRunLedgerSumsToBalance", testConcurrentLedger},
	{"ConcurrentOvershootBoundedByInFlight", testConcurrentOvershoot},
	{"ConcurrentCapAndTPMFilledExactly", testConcurrentLimitsExact},
	{"VoucherCreateListAndDuplicates", testVoucherCRUD},
	{"VoucherRedeemOnce", testVoucherRedeem},
	{"VoucherExpiredAndUnknown", testVoucherExpiredUnknown},
	{"VoucherRaceAcrossWorkspacesOneWins", testVoucherRaceWorkspaces},
	{"VoucherRaceInOneWorkspaceCreditsOnce", testVoucherRaceOneWorkspace},
	{"UpdateTokenLimitsSeenByNextAdmit", testUpdateTokenLimits},
	{"SetBillingAnchorAndValidation", testSetBilling},
	{"WebhooksCRUD", testWebhooks},
	{"DeliveriesNewestFirst", testDeliveries},
	{"MoneyReadsIsolatedByWorkspace", testMoneyIsolation},
}

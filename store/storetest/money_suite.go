package storetest

import (
	"testing"
)

// RunMoney runs the store.Money part of the contract (holds and settlement,
// token limits, monthly caps, the balance and its ledger, alerts, vouchers,
// usage roll-ups, the request audit trail, webhooks) against the backend
// that open builds, with its default hold lifetime (1 h) and request
// retention (30 days). Every subtest gets its own store and clock. RunAll
// includes it.
func RunMoney(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, moneyCases, withMoney)
}

// moneyCases lists the store.Money properties, each named for the property.
var moneyCases = []struct {
	name string
	run  func(t *testing.T, e *menv)
}{
	{"HoldAndSettleExact", testHoldSettleExact},
	{"SettleIsIdempotent", testSettleIdempotent},
	{"SettleWithoutHoldChargesOnce", testSettleWithoutHold},
	{"SettlementOverMaximaRefused", testSettlementOverMaximaRefused},
	{"HeldSettleGuardedByHold", testHeldSettleGuardedByHold},
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
	{"SettleBatchEqualsSequence", testSettleBatchEqualsSequence},
	{"SettleBatchDuplicatesChargeOnce", testSettleBatchDuplicatesChargeOnce},
	{"SettleBatchMixedWorkspaces", testSettleBatchMixedWorkspaces},
	{"TokenCountInputOutput", testTokenCount},
	{"AddCreditsIdempotentByID", testAddCreditsIdempotent},
	{"AddCreditsKindsAndSigns", testAddCreditsKinds},
	{"TransactionByID", testTransactionByID},
	{"TransactionsNewestFirstPaged", testTransactionsPaged},
	{"CreditAlertsOncePerCrossingRearmedByTopUp", testCreditAlerts},
	{"CreditAlertsExactlyOnceUnderRace", testCreditAlertsOnce},
	{"CreditAlertsOfExpirySweepReportedOnce", testSweptAlertsReportedOnce},
	{"CapSetMidPeriodSeesPeriodSpend", testCapSetMidPeriodSeesSpend},
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

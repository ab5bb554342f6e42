package embedded

import (
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// Money in the embedded store (store.Money).
//
// Admission decides on memory only: the balance, the credits held, the
// spend and holds of every monthly cap, and the token-per-minute counters
// live in wsState.money and on the member and token states, under the
// workspace lock. Settle, AddCredits and RedeemVoucher write bbolt first
// and change memory only after the commit, by the same amounts they wrote
// (a balance or a cap's spend moves by a delta, so concurrent writers in
// any commit order leave memory equal to the disk); a failed write changes
// nothing in memory. The disk is read inside the write transaction, so the
// balance before and after each change, and the alerts it crosses, follow
// the commit order: exactly one caller sees a crossing.
//
// Holds are in memory only. They are made by this process's Admit and
// settled by this process's Settle: the single process that held them is
// the one that settles them, and a graceful shutdown settles the requests
// in flight before Close. A crash loses the holds and the requests in
// flight with them (uncharged: a Held settlement that finds no hold was
// settled before) but nothing settled. Every request admitted with a
// RequestID is held, a zero Hold too, so a held settlement needs no marker
// on disk; only settlements admission did not hold (Settlement.Held false)
// and holds settled on expiry put one.
//
// An expired hold (older than Options.HoldTTL) is settled at its estimate
// by the next Settle or money read (Credits, Transactions, UsageRows,
// Requests) of its workspace, never by Admit, which does no disk I/O.
// Deferring it changes no decision: settling at the estimate moves the same
// credits from held to spent, leaving the available balance and every
// credit cap's room as they were, and its tokens left the per-minute window
// long before the hold expired. A credit alert such a settlement crosses is
// kept pending in memory and reported by the next Settle, AddCredits or
// RedeemVoucher of the workspace, once (see passAlerts), as Redis does.

// Defaults of Options.
const (
	DefaultHoldTTL          = time.Hour
	DefaultRequestRetention = 30 * 24 * time.Hour
)

const (
	// markerTTL is how long the id of a request settled without a hold
	// (Settlement.Held false) is kept to make a retried Settle change
	// nothing.
	markerTTL = 24 * time.Hour
	// capRetention is how long a monthly cap's counter is kept after its
	// period ended.
	capRetention = 70 * 24 * time.Hour
	// sweepBatch bounds the expired records one write removes per kind.
	sweepBatch = 64
	// expireBatch bounds the expired holds one Settle settles first.
	expireBatch = 16
	// spareHolds bounds the settled holds a workspace keeps for reuse.
	spareHolds = 1024
	// settleBatchDelay is how long a Settle waits for others to share its
	// commit (bolt.DB.MaxBatchDelay): the fsync of a commit is shared by
	// every Settle that arrives within it.
	settleBatchDelay = time.Millisecond
)

// moneyState is the money of one workspace in memory, guarded by the
// workspace's mu.
type moneyState struct {
	balance int64 // µc, as on disk
	held    int64 // µc, the sum of the holds' credits
	tpm     limiter.Counter
	caps    map[capKey]*capState
	holds   map[string]*hold // by request id
	// spare are settled holds kept for reuse, at most spareHolds, a shape
	// chosen for speed: every metered request is held, and a hold is the
	// largest allocation of an admission.
	spare []*hold
	// nextExpiry is at or before the earliest expiry of any hold; when it
	// has passed, expiredHolds scans the holds and moves it on.
	nextExpiry time.Time
	// pending are the credit alerts crossed by settlements of expired holds
	// that no caller reported (sweeps by Credits and the other money reads,
	// and the expired holds a SettleBatch settles first): the next Settle,
	// AddCredits or RedeemVoucher reports them (see takePending). They are
	// in memory only, like the holds.
	pending store.CreditAlerts
	// The billing period last computed (see period): [periodStart,
	// periodEnd) under anchor.
	anchor                 int
	periodStart, periodEnd time.Time
}

func newMoneyState() moneyState {
	return moneyState{caps: make(map[capKey]*capState), holds: make(map[string]*hold)}
}

// capKey names one monthly cap's counter in one period: the scope, the
// member or token id, the model for per-model caps, and the period's start
// (unix seconds).
type capKey struct {
	scope  limiter.Scope
	id     string
	model  string
	period int64
}

// tokens reports whether the cap counts tokens rather than micro-credits.
func (k capKey) tokens() bool { return k.scope == limiter.ScopeKeyModelTokensMonth }

// capState is a cap's counter: spent (settled, on disk) and held (in
// memory), in µc or tokens; notice is the once-per-period CapNotice marker,
// dirty until it is on disk.
type capState struct {
	spent, held  int64
	notice       bool
	noticeUnsync bool
}

// hold is what one admitted request reserved, and what Settle needs to
// release it and to settle it when it expires. Its strings are its own.
type hold struct {
	id      string // request id
	expires time.Time
	credits int64 // µc
	tokens  int64 // Hold.Input + Hold.Output, for token caps
	counted int64 // tokens added to the per-minute counters (Limits.TokenCount)
	mode    string
	bucket  int64 // the per-minute bucket they were added to
	tpm     [4]*limiter.Counter
	ntpm    int
	caps    [4]capKey // the caps with a limit it holds on
	ncaps   int
	period  int64 // start (unix seconds) of the billing period it was admitted in, whose spend it counts
	// Attribution, for settling an expired hold.
	tokenID, memberID, kind, upstream, model string
	// settling is set while a Settle writes it; done, when made, is closed
	// when that Settle ends, to wake a concurrent Settle of the same id.
	settling bool
	done     chan struct{}
}

// amount returns what h holds on cap k.
func (h *hold) amount(k capKey) int64 {
	if k.tokens() {
		return h.tokens
	}
	return h.credits
}

// countTokens returns the tokens a per-minute limit counts under mode
// (Limits.TokenCount).
func countTokens(mode string, input, output int64) int64 {
	switch mode {
	case store.TokensInput:
		return input
	case store.TokensOutput:
		return output
	}
	return input + output
}

// crossings returns the alerts a change of balance from before to after
// crosses downwards.
func crossings(b store.Billing, before, after int64) store.CreditAlerts {
	return store.CreditAlerts{
		LowBalance: b.LowBalance > 0 && before >= b.LowBalance && after < b.LowBalance,
		AutoTopUp:  b.AutoTopUpBelow > 0 && before >= b.AutoTopUpBelow && after < b.AutoTopUpBelow,
	}
}

// takePending returns the pending alerts whose threshold balance is still
// below, for a caller to report, and clears them all: an alert the balance
// has come back above is dropped, as a top-up re-arms it.
func (m *moneyState) takePending(b store.Billing, balance int64) store.CreditAlerts {
	p := m.pending
	m.pending = store.CreditAlerts{}
	return store.CreditAlerts{
		LowBalance: p.LowBalance && b.LowBalance > 0 && balance < b.LowBalance,
		AutoTopUp:  p.AutoTopUp && b.AutoTopUpBelow > 0 && balance < b.AutoTopUpBelow,
	}
}

// orAlerts returns the alerts raised in a or b.
func orAlerts(a, b store.CreditAlerts) store.CreditAlerts {
	return store.CreditAlerts{LowBalance: a.LowBalance || b.LowBalance, AutoTopUp: a.AutoTopUp || b.AutoTopUp}
}

// newHold returns a hold to fill: a spare one, or a new one.
func (m *moneyState) newHold() *hold {
	if n := len(m.spare); n > 0 {
		h := m.spare[n-1]
		m.spare[n-1] = nil
		m.spare = m.spare[:n-1]
		return h
	}
	return new(hold)
}

// recycle keeps h, settled and gone from holds, for reuse; nothing may
// refer to it any more.
func (m *moneyState) recycle(h *hold) {
	if len(m.spare) < spareHolds {
		*h = hold{}
		m.spare = append(m.spare, h)
	}
}

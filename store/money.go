package store

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// MicroPerCredit is the number of micro-credits in one credit. Every amount
// of money in the store is an integer number of micro-credits (µc).
const MicroPerCredit = 1_000_000

// MaxSettlementCost is the largest Settlement.Cost a store records, in µc
// (2^50, about 1.1e9 credits): far above any real request, and far enough
// below 2^63 that balances and spend summed from many settlements cannot
// overflow, and below 2^53 so that Lua's doubles hold it exactly. A larger
// cost is refused with ErrInvalidSettlement.
const MaxSettlementCost = 1 << 50

// MaxSettlementTokens is the largest token count of one category of a
// settlement's Record.Tokens that a store records (2^31 − 1). A larger (or
// negative) count is refused with ErrInvalidSettlement; the meter clamps
// what upstreams report to it.
const MaxSettlementTokens = 1<<31 - 1

// Errors of the money methods.
var (
	// ErrVoucherUsed reports a voucher that was already redeemed.
	ErrVoucherUsed = errors.New("store: voucher already redeemed")
	// ErrVoucherExpired reports a voucher past its expiry.
	ErrVoucherExpired = errors.New("store: voucher expired")
	// ErrInvalidSettlement is wrapped by the error of a Settle or
	// SettleBatch refused for its input (a negative cost or token count, a
	// cost above MaxSettlementCost or a token count above
	// MaxSettlementTokens, a dimension the store cannot record, fewer
	// results than settlements),
	// which no retry can fix; nothing of the call was applied.
	ErrInvalidSettlement = errors.New("store: invalid settlement")
)

// Money is the credits side of the store: settlement of what admission
// held, the balance and its ledger, vouchers, usage roll-ups, the per-request
// audit trail and webhooks. Store embeds it.
//
// Admission (Store.Admit) holds Request.Hold when it allows a request with
// a RequestID, a zero Hold included (its hold records only the request's
// attribution and guards its settlement): it adds Hold.Credits to the
// workspace's held credits and to the held spend of every cap that applies
// in the current period, and Hold.Input/Output to every token-per-minute
// counter that applies, all in the same atomic step as the other checks. A hold that is not settled
// within the store's hold lifetime (Options of each backend, default 1 h)
// expires: a later Admit or Settle of the workspace settles it at its
// estimate (Cost = Hold.Credits, no tokens), attributed as recorded at
// admission, because a replica that died mid-request cannot tell what the
// upstream billed.
//
// Rules the contract suite (storetest.RunMoney) pins where the above is terse:
//   - Without a RequestID every check still applies to r.Hold, but nothing of
//     it is held or counted (credits, caps, token counters).
//   - A request holding no tokens is refused by a token limit only when the
//     minute already counts the limit (counted ≥ limit); one holding no
//     credits by a cap only when spent + held ≥ cap, and by the balance only
//     when balance − held < 0.
//   - A Limited decision on a token limit reports Remaining = max(limit −
//     counted, 0) in tokens, and Reset and RetryAfter as a request limit does.
//   - When several caps would be exceeded, the first in Admit's order
//     (member, key, key-model credits, key-model tokens) is reported.
//   - Monthly token caps count settled tokens in full (Record.Tokens
//     InputTotal + OutputTotal) whatever Limits.TokenCount says; the
//     per-minute correction counts them as TokenCount says.
//   - Spend is counted per member, key and key-model (credits and tokens)
//     in every period whether or not a cap is set on it, so a cap set or
//     raised mid-period sees what was spent earlier in that period.
//   - A credit alert crossed by settling an expired hold outside a Settle
//     (a sweep by Admit or a money read) is kept pending and reported once,
//     by the next Settle, AddCredits or RedeemVoucher of the workspace,
//     unless the balance is back above its threshold by then.
//   - An expired hold's settlement is the request's settlement: a later
//     Settle of it reports Settled false and charges nothing. Its audit At
//     and usage hour are the store's clock when it is settled.
type Money interface {
	// Settle turns the hold of s.RequestID into spend: in one atomic step it
	// releases the hold from the held credits and caps, subtracts s.Cost
	// from the balance, adds it to the spend of the member (member tokens)
	// or the key and of the key's model in the period the request was
	// admitted in, corrects the token-per-minute counters by the difference
	// between the actual and the held tokens, adds the request to the
	// hourly usage roll-up (UsageRow) and to the ledger's usage row of its
	// member or key for that hour, and appends s.Record to the request
	// audit trail. The hour and the audit time come from the store's clock.
	//
	// It is idempotent on (workspace, RequestID): a second Settle of the
	// same request changes nothing and reports Settled false. With s.Held
	// (admission held the request) the hold's presence is the guard: the
	// hold is gone once settled, and nothing of the request but its audit
	// record outlives it; a Held settlement that finds no hold reports
	// Settled false and charges nothing. Without s.Held (admission decided
	// degraded, RequestID was "", or the settlement is an extra one beside
	// the admitted request) it charges s.Cost, after releasing a hold of
	// RequestID if there is one, guarded by a marker kept for a day so
	// that a retry still charges once; usage, ledger and audit then take
	// their attribution from s.Record.
	Settle(ctx context.Context, s *Settlement, r *SettleResult) error
	// SettleBatch settles each of s exactly as Settle would, in order, and
	// writes r[i] for s[i]: r[i].Balance is the balance right after s[i],
	// and an alert is reported on the settlement whose charge crossed its
	// threshold. It is idempotent per (workspace, RequestID) as Settle is,
	// inside the batch too: a request repeated in s is charged once, each
	// repeat reporting Settled false. s may mix workspaces; len(r) must be
	// at least len(s). A settlement the store cannot record refuses the
	// whole batch, before anything is applied, with an error wrapping
	// ErrInvalidSettlement; ErrNotFound names a workspace that does not
	// exist. After any other error none, some or all of s may have been
	// applied: the caller retries the whole batch, which idempotency makes
	// safe. Backends share the per-call work across the batch (one script
	// call or one transaction per workspace), which is what makes it cheap.
	SettleBatch(ctx context.Context, s []*Settlement, r []SettleResult) error

	// Credits returns the workspace's balance and what holds keep of it,
	// settling expired holds first so that Held counts only live ones.
	Credits(ctx context.Context, workspace string) (Credits, error)
	// AddCredits appends tx (Kind TxTopUp or TxAdjustment; Amount may be
	// negative only for an adjustment) to the ledger and changes the
	// balance by tx.Amount in one atomic step, filling tx.ID, tx.At and
	// tx.Balance. A tx.ID already set makes it idempotent: a second call with
	// the same ID changes nothing and returns ErrExists. ErrNotFound if the
	// workspace does not exist. Another Kind, or a top-up whose Amount is
	// not positive, is refused with an error.
	AddCredits(ctx context.Context, workspace string, tx *Transaction) (CreditAlerts, error)
	// Transaction returns the explicit transaction (top-up, voucher or
	// adjustment) with id from the workspace's ledger, as it was recorded,
	// so that a retried AddCredits that got ErrExists can answer what the
	// first call did. ErrNotFound if the workspace or the transaction does
	// not exist (usage rows are not found by id).
	Transaction(ctx context.Context, workspace, id string) (Transaction, error)
	// Transactions returns the workspace's ledger newest first: explicit
	// transactions and one usage row per hour and member or key (Kind
	// TxUsage, Amount the negated credits settled in that hour). The sum of
	// every Amount ever recorded equals the balance. The returned cursor is
	// "" when no more entries follow.
	Transactions(ctx context.Context, workspace string, q TxQuery) ([]Transaction, string, error)

	// CreateVoucher stores v (hash only; the code is shown once by the
	// caller). ErrExists if its ID or hash is taken.
	CreateVoucher(ctx context.Context, v *Voucher) error
	// ListVouchers returns every voucher, newest first.
	ListVouchers(ctx context.Context) ([]Voucher, error)
	// RedeemVoucher redeems the voucher with hash h into workspace: once
	// only (ErrVoucherUsed), before its expiry (ErrVoucherExpired), else
	// ErrNotFound. It credits the workspace with a TxVoucher transaction
	// (the voucher's ID is the transaction's, so a retried redeem whose
	// first attempt credited but did not finish completes without a second
	// credit) and returns it. Exactly one call succeeds for a voucher, the
	// one whose credit lands; every other, by any workspace, gets
	// ErrVoucherUsed. It is expired from ExpiresAt on, by the store's clock.
	RedeemVoucher(ctx context.Context, workspace string, h token.Hash, actor string) (*Transaction, CreditAlerts, error)

	// UsageRows returns the workspace's hourly usage roll-ups with Hour in
	// [from, to), ordered by hour then token, model, tool.
	UsageRows(ctx context.Context, workspace string, from, to time.Time) ([]UsageRow, error)
	// Requests returns the workspace's per-request audit trail, newest first,
	// filtered by q. Records older than the store's request retention
	// (default 30 days, by the store's clock) are never returned. The
	// returned cursor is "" when no more records follow.
	Requests(ctx context.Context, workspace string, q RequestQuery) ([]RequestRecord, string, error)

	// UpdateTokenLimits replaces the limits of an existing token (RPM, TPM,
	// Monthly, ModelRPM, ModelLimits); admission sees them at once.
	// ErrNotFound when the token does not exist.
	UpdateTokenLimits(ctx context.Context, workspace, id string, l TokenLimits) error

	// SetBilling replaces the workspace's billing settings. ErrNotFound if
	// the workspace does not exist; an Anchor outside 0–28 or a negative
	// amount is refused with an error.
	SetBilling(ctx context.Context, workspace string, b Billing) error

	// CreateWebhook stores a receiver; ErrNotFound without the workspace.
	CreateWebhook(ctx context.Context, w *Webhook) error
	ListWebhooks(ctx context.Context, workspace string) ([]Webhook, error) // ordered by ID
	DeleteWebhook(ctx context.Context, workspace, id string) error         // ErrNotFound when absent
	// RecordDelivery appends or replaces (same ID) one delivery attempt's
	// outcome; deliveries are kept for the request retention.
	RecordDelivery(ctx context.Context, d *Delivery) error
	// Deliveries returns the workspace's deliveries newest first, of one
	// webhook when webhookID is not "".
	Deliveries(ctx context.Context, workspace, webhookID string, limit int) ([]Delivery, error)
}

// TokenLimits are the limits of one token, as on Token.
type TokenLimits struct {
	RPM         int64                 `json:"rpm,omitempty"`
	TPM         int64                 `json:"tpm,omitempty"`
	Monthly     int64                 `json:"monthly_credits,omitempty"`
	ModelRPM    map[string]int64      `json:"model_rpm,omitempty"`
	ModelLimits map[string]ModelLimit `json:"model_limits,omitempty"`
}

// Credits are a workspace's money, in micro-credits. Available is Balance
// minus Held; admission refuses a hold larger than it.
type Credits struct {
	Balance int64 `json:"balance"`
	Held    int64 `json:"held"`
}

// Billing is a workspace's billing settings, in micro-credits. Zero values
// are off.
type Billing struct {
	// Anchor is the day of the month (1–28) its billing periods start on,
	// at 00:00 UTC; 0 means calendar months (see PeriodStart).
	Anchor int `json:"anchor,omitempty"`
	// LowBalance: when a settlement or adjustment takes the balance from at
	// or above it to below it, a credits-low alert is raised (once per
	// crossing).
	LowBalance int64 `json:"low_balance,omitempty"`
	// AutoTopUpBelow and AutoTopUpAmount: when the balance falls below
	// AutoTopUpBelow (once per crossing), an auto top-up request carrying
	// AutoTopUpAmount is raised for the billing system.
	AutoTopUpBelow  int64 `json:"auto_topup_below,omitempty"`
	AutoTopUpAmount int64 `json:"auto_topup_amount,omitempty"`
}

// Tokens are the tokens of one request or a sum of them, by disjoint
// category (an input token is Input, CachedRead or CachedWrite, never two).
type Tokens struct {
	Input       int64 `json:"input"`        // uncached input
	Output      int64 `json:"output"`       // output, reasoning excluded
	CachedRead  int64 `json:"cached_read"`  // input read from a prompt cache
	CachedWrite int64 `json:"cached_write"` // input written to a prompt cache
	Reasoning   int64 `json:"reasoning"`    // reasoning tokens, billed as output
}

// InputTotal is every input token; TPM limits count these as input.
func (t Tokens) InputTotal() int64 { return t.Input + t.CachedRead + t.CachedWrite }

// OutputTotal is every output token; TPM limits count these as output.
func (t Tokens) OutputTotal() int64 { return t.Output + t.Reasoning }

// Settlement is the actual outcome of one admitted request.
type Settlement struct {
	Workspace string
	RequestID string // the Request.RequestID its admission held under
	// Held says that admission held RequestID: the decision was Allowed,
	// not Degraded, with that RequestID. Then the hold alone makes Settle
	// idempotent and no marker is kept (see Money.Settle). The zero value,
	// for a request admission did not hold, is always safe: it costs a
	// marker kept for a day.
	Held bool
	Cost int64 // micro-credits actually charged
	// Record is appended to the audit trail (its At is set by the store) and
	// gives the roll-up its dimensions and figures.
	Record RequestRecord
}

// SettleResult says what a Settle did and which alerts it raised.
type SettleResult struct {
	Settled bool  // false when the request was settled before
	Balance int64 // the balance after this settlement; the current one when Settled is false
	CreditAlerts
}

// CreditAlerts are thresholds a change of balance crossed, each reported by
// exactly one call across replicas.
type CreditAlerts struct {
	LowBalance bool // crossed Billing.LowBalance downwards
	AutoTopUp  bool // crossed Billing.AutoTopUpBelow downwards
}

// TxKind is the kind of a ledger transaction.
type TxKind string

// Transaction kinds.
const (
	TxTopUp      TxKind = "topup"      // credits bought, added by the operator
	TxVoucher    TxKind = "voucher"    // a voucher redeemed
	TxUsage      TxKind = "usage"      // credits spent in one hour by one member or key
	TxAdjustment TxKind = "adjustment" // an operator's correction, either sign
)

// Transaction is one ledger entry. Amount is signed: positive adds credits.
type Transaction struct {
	ID      string    `json:"id"` // token.NewID; for usage rows "<hour unix>:<m|k>:<id>"
	Kind    TxKind    `json:"kind"`
	Amount  int64     `json:"amount"`            // micro-credits
	Balance int64     `json:"balance,omitempty"` // after this transaction; explicit transactions only
	Actor   string    `json:"actor,omitempty"`   // who made it: "operator" or a member id
	Note    string    `json:"note,omitempty"`
	Voucher string    `json:"voucher,omitempty"`   // TxVoucher: the voucher's ID
	Member  string    `json:"member_id,omitempty"` // TxUsage: the member (member tokens)
	Key     string    `json:"key_id,omitempty"`    // TxUsage: the workspace key
	At      time.Time `json:"at"`                  // TxUsage: the hour
}

// TxQuery selects ledger entries: At in [Since, Until) (zero: unbounded),
// at most Limit (0: 100), after Cursor (the string a previous page returned).
type TxQuery struct {
	Since, Until time.Time
	Limit        int
	Cursor       string
}

// Voucher is a code an operator creates and one workspace owner redeems.
type Voucher struct {
	ID         string     `json:"id"`     // token.NewID
	Hash       token.Hash `json:"-"`      // SHA-256 of the code
	Amount     int64      `json:"amount"` // micro-credits, > 0
	Note       string     `json:"note,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	RedeemedBy string     `json:"redeemed_by,omitempty"` // workspace id
	RedeemedAt time.Time  `json:"redeemed_at,omitzero"`
}

// UsageRow is the roll-up of one hour of one caller's requests through one
// upstream with one model (LLM) or tool (MCP).
type UsageRow struct {
	Hour      time.Time `json:"hour"` // UTC, on the hour
	TokenID   string    `json:"token_id"`
	MemberID  string    `json:"member_id"`
	Kind      string    `json:"kind"` // "member" or "key": the token's kind
	Upstream  string    `json:"upstream"`
	Model     string    `json:"model,omitempty"`
	Tool      string    `json:"tool,omitempty"`
	Requests  int64     `json:"requests"`
	ToolCalls int64     `json:"tool_calls"`
	Errors    int64     `json:"errors"` // status >= 400, a stream error, or a tool error
	Tokens    Tokens    `json:"tokens"`
	Credits   int64     `json:"credits"` // micro-credits
}

// RequestRecord is one proxied request in the audit trail.
type RequestRecord struct {
	At        time.Time     `json:"at"` // set by the store when settled
	RequestID string        `json:"request_id"`
	TokenID   string        `json:"token_id"`
	MemberID  string        `json:"member_id"`
	Kind      string        `json:"kind"` // "member" or "key"
	Method    string        `json:"method"`
	Route     string        `json:"route"` // /{upstream}/{rest}, no query string
	Upstream  string        `json:"upstream"`
	Model     string        `json:"model,omitempty"`
	Tool      string        `json:"tool,omitempty"`
	ToolCall  bool          `json:"tool_call,omitempty"` // an MCP tools/call
	Status    int           `json:"status"`              // HTTP status; 0 when the client left before it
	Error     bool          `json:"error,omitempty"`     // status >= 400, a stream error or a tool error
	Tokens    Tokens        `json:"tokens"`
	Cost      int64         `json:"cost"` // micro-credits
	Latency   time.Duration `json:"latency_ns"`
}

// RequestQuery selects audit records: At in [Since, Until) (zero:
// unbounded), of one member or token when set, at most Limit (0: 100),
// after Cursor.
type RequestQuery struct {
	Since, Until time.Time
	MemberID     string
	TokenID      string
	Limit        int
	Cursor       string
}

// Webhook is an alert receiver of a workspace. Secret signs deliveries
// (HMAC-SHA-256); it is shown once at creation and never returned after.
type Webhook struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	URL         string    `json:"url"`
	Secret      string    `json:"secret"`           // storage form only; admin views omit it
	Events      []string  `json:"events,omitempty"` // event types; empty means all
	CreatedAt   time.Time `json:"created_at"`
}

// Delivery is one attempt to deliver one event to one webhook.
type Delivery struct {
	ID          string    `json:"id"` // "<event>.<webhook>.<attempt>": one event may go to several webhooks
	WebhookID   string    `json:"webhook_id"`
	WorkspaceID string    `json:"workspace_id"`
	EventID     string    `json:"event_id"`
	Event       string    `json:"event"` // type, such as "credits.low"
	Attempt     int       `json:"attempt"`
	Status      int       `json:"status"` // the receiver's HTTP status; 0 when none
	Error       string    `json:"error,omitempty"`
	At          time.Time `json:"at"`
	Done        bool      `json:"done"` // delivered (2xx), or given up
}

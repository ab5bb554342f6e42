package notify

import (
	"context"
	"time"
)

// Alert event types, sent to a workspace's webhooks and, with SMTP
// configured, by e-mail to its owners and admins.
const (
	// EventCreditsLow: the balance fell below Billing.LowBalance (once per
	// crossing). Data: CreditsData.
	EventCreditsLow = "credits.low"
	// EventCreditsAdded: a top-up, a voucher or a positive adjustment.
	// Data: CreditsData with Amount.
	EventCreditsAdded = "credits.added"
	// EventCapReached: a member's or key's monthly cap refused a request
	// (once per cap and period). Data: CapData.
	EventCapReached = "cap.reached"
	// EventAutoTopUp: the balance fell below Billing.AutoTopUpBelow (once
	// per crossing); the billing system should add Amount. Data: CreditsData.
	EventAutoTopUp = "credits.auto_topup_requested"
)

// EventTypes lists every alert event type.
var EventTypes = []string{EventCreditsLow, EventCreditsAdded, EventCapReached, EventAutoTopUp}

// Event is one alert. Its JSON form is the webhook's body.
type Event struct {
	ID        string    `json:"id"` // unique; receivers deduplicate on it
	Type      string    `json:"type"`
	Workspace string    `json:"workspace_id"`
	At        time.Time `json:"created_at"`
	Data      any       `json:"data"` // CreditsData or CapData
}

// CreditsData is the data of the credits events, in micro-credits.
type CreditsData struct {
	Balance   int64  `json:"balance"`
	Threshold int64  `json:"threshold,omitempty"` // the crossed threshold (low, auto top-up)
	Amount    int64  `json:"amount,omitempty"`    // added (credits.added) or requested (auto top-up)
	Source    string `json:"source,omitempty"`    // credits.added: topup, voucher or adjustment
}

// CapData is the data of EventCapReached.
type CapData struct {
	Scope       string    `json:"scope"` // member_spend_cap, key_spend_cap, key_model_spend_cap, key_model_token_cap
	MemberID    string    `json:"member_id,omitempty"`
	KeyID       string    `json:"key_id,omitempty"`
	Model       string    `json:"model,omitempty"`
	Limit       int64     `json:"limit"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
}

// Alerter raises alert events. Raise returns at once; delivery (with
// retries) happens in the background. Implementations are safe for
// concurrent use.
type Alerter interface {
	Raise(ctx context.Context, e Event)
}

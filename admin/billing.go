package admin

import (
	"fmt"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// billingRequest replaces a workspace's billing settings; an omitted field
// is 0 (off). Amounts are micro-credits. A new Anchor starts a new billing
// period at once: monthly caps are counted per period, keyed by its start,
// so they count from zero again under the new anchor (documented in
// openapi.json, SetBilling.anchor).
type billingRequest struct {
	Anchor          int   `json:"anchor"`            // day of the month (1–28) periods start on; 0: calendar months
	LowBalance      int64 `json:"low_balance"`       // credits.low when the balance falls below it
	AutoTopUpBelow  int64 `json:"auto_topup_below"`  // an auto top-up request when the balance falls below it
	AutoTopUpAmount int64 `json:"auto_topup_amount"` // the amount that request carries
}

func (b *billingRequest) check() error {
	if b.Anchor < 0 || b.Anchor > 28 {
		return errInvalid("anchor: want a day of the month from 1 to 28, or 0 for calendar months, got %d", b.Anchor)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"low_balance", b.LowBalance}, {"auto_topup_below", b.AutoTopUpBelow}, {"auto_topup_amount", b.AutoTopUpAmount}} {
		if f.v < 0 || f.v > maxAmount {
			return errInvalid("%s: want micro-credits from 0 (off) to %d, got %d", f.name, int64(maxAmount), f.v)
		}
	}
	switch {
	case b.AutoTopUpBelow > 0 && b.AutoTopUpAmount == 0:
		return errInvalid("auto_topup_amount: required when auto_topup_below is set: the amount the request asks for")
	case b.AutoTopUpBelow == 0 && b.AutoTopUpAmount > 0:
		return errInvalid("auto_topup_below: required when auto_topup_amount is set: the balance that triggers the request")
	}
	return nil
}

// billingView is a workspace's billing settings; amounts in micro-credits
// and, in the *_credits twins, in credits.
type billingView struct {
	WorkspaceID            string `json:"workspace_id"`
	Anchor                 int    `json:"anchor"`
	LowBalance             int64  `json:"low_balance"`
	LowBalanceCredits      string `json:"low_balance_credits"`
	AutoTopUpBelow         int64  `json:"auto_topup_below"`
	AutoTopUpBelowCredits  string `json:"auto_topup_below_credits"`
	AutoTopUpAmount        int64  `json:"auto_topup_amount"`
	AutoTopUpAmountCredits string `json:"auto_topup_amount_credits"`
}

func viewBilling(ws string, b store.Billing) billingView {
	return billingView{WorkspaceID: ws, Anchor: b.Anchor,
		LowBalance: b.LowBalance, LowBalanceCredits: store.FormatCredits(b.LowBalance),
		AutoTopUpBelow: b.AutoTopUpBelow, AutoTopUpBelowCredits: store.FormatCredits(b.AutoTopUpBelow),
		AutoTopUpAmount: b.AutoTopUpAmount, AutoTopUpAmountCredits: store.FormatCredits(b.AutoTopUpAmount)}
}

func (a *api) getBilling(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewBilling(ws.ID, ws.Billing))
}

func (a *api) setBilling(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	var req billingRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	b := store.Billing{Anchor: req.Anchor, LowBalance: req.LowBalance, AutoTopUpBelow: req.AutoTopUpBelow,
		AutoTopUpAmount: req.AutoTopUpAmount}
	if err := m.SetBilling(r.Context(), ws, b); err != nil {
		return notFound(err, "workspace", ws)
	}
	c := callerOf(r)
	c.target("workspace", ws)
	c.audit.detail = fmt.Sprintf("anchor %d, low balance %s, auto top-up below %s by %s credits", b.Anchor,
		store.FormatCredits(b.LowBalance), store.FormatCredits(b.AutoTopUpBelow), store.FormatCredits(b.AutoTopUpAmount))
	return writeJSON(w, http.StatusOK, viewBilling(ws, b))
}

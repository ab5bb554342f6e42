package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// creditsChanged raises the alerts of an explicit transaction tx of
// workspace ws: credits.added for a positive amount, and the thresholds the
// change crossed (al, as the store reported them). It never fails the call:
// the change has happened; delivery is the Alerter's business.
func (a *api) creditsChanged(ctx context.Context, ws string, tx *store.Transaction, al store.CreditAlerts) {
	if a.alerter == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if tx.Amount > 0 {
		a.raise(ctx, notify.EventCreditsAdded, ws, notify.CreditsData{Balance: tx.Balance, Amount: tx.Amount,
			Source: string(tx.Kind)})
	}
	if !al.LowBalance && !al.AutoTopUp {
		return
	}
	w, err := a.store.GetWorkspace(ctx, ws)
	if err != nil {
		a.log.Error("admin: credit alert without thresholds: workspace unreadable", "workspace", ws, "err", err)
		w = &store.Workspace{ID: ws}
	}
	if al.LowBalance {
		a.raise(ctx, notify.EventCreditsLow, ws, notify.CreditsData{Balance: tx.Balance, Threshold: w.Billing.LowBalance})
	}
	if al.AutoTopUp {
		a.raise(ctx, notify.EventAutoTopUp, ws, notify.CreditsData{Balance: tx.Balance,
			Threshold: w.Billing.AutoTopUpBelow, Amount: w.Billing.AutoTopUpAmount})
	}
}

func (a *api) raise(ctx context.Context, typ, ws string, data any) {
	a.alerter.Raise(ctx, notify.Event{ID: token.NewID(), Type: typ, Workspace: ws, At: a.now().UTC(), Data: data})
}

package embedded

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// validateTokenLimits checks the limits of token id: no negative limit, and
// valid per-model maps.
func validateTokenLimits(id string, l store.TokenLimits) error {
	switch {
	case l.RPM < 0:
		return invalid("token %q rpm %d is negative", id, l.RPM)
	case l.TPM < 0:
		return invalid("token %q tpm %d is negative", id, l.TPM)
	case l.Monthly < 0:
		return invalid("token %q monthly_credits %d is negative", id, l.Monthly)
	case len(l.ModelLimits) > store.MaxModelLimits:
		return invalid("token %q has %d model_limits, at most %d allowed", id, len(l.ModelLimits), store.MaxModelLimits)
	}
	if err := store.CheckModelRPM(l.ModelRPM); err != nil {
		return invalid("token %q: %v", id, err)
	}
	for name, ml := range l.ModelLimits {
		switch {
		case !store.ValidModelName(name):
			return invalid("token %q model_limits: model name %q: want 1 to 128 of A-Z a-z 0-9 . _ - : / @ +", id, name)
		case ml.TPM < 0, ml.MonthlyTokens < 0, ml.MonthlyCredits < 0:
			return invalid("token %q model_limits[%q] has a negative limit (%+v)", id, name, ml)
		}
	}
	return nil
}

func validateBilling(b store.Billing) error {
	switch {
	case b.Anchor < 0 || b.Anchor > 28:
		return invalid("billing anchor %d is not a day from 1 to 28 (or 0 for calendar months)", b.Anchor)
	case b.LowBalance < 0:
		return invalid("billing low_balance %d is negative", b.LowBalance)
	case b.AutoTopUpBelow < 0:
		return invalid("billing auto_topup_below %d is negative", b.AutoTopUpBelow)
	case b.AutoTopUpAmount < 0:
		return invalid("billing auto_topup_amount %d is negative", b.AutoTopUpAmount)
	}
	return nil
}

// validateSettlement refuses a settlement the store cannot record (see
// store.Settlement.Validate); the error wraps ErrInvalid and
// store.ErrInvalidSettlement.
func validateSettlement(st *store.Settlement) error {
	if err := st.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

func validateCreditTx(tx *store.Transaction) error {
	switch {
	case tx == nil:
		return invalid("transaction is nil")
	case tx.Kind == store.TxTopUp && tx.Amount <= 0:
		return invalid("top-up amount %d is not positive", tx.Amount)
	case tx.Kind == store.TxAdjustment && tx.Amount == 0:
		return invalid("adjustment amount is zero")
	case tx.Kind != store.TxTopUp && tx.Kind != store.TxAdjustment:
		return invalid("transaction kind %q: AddCredits takes %q or %q", tx.Kind, store.TxTopUp, store.TxAdjustment)
	}
	return nil
}

func validateVoucher(v *store.Voucher) error {
	switch {
	case v == nil:
		return invalid("voucher is nil")
	case v.Hash == token.Hash{}:
		return invalid("voucher %q has no hash", v.ID)
	case v.Amount <= 0:
		return invalid("voucher %q amount %d is not positive", v.ID, v.Amount)
	case v.ExpiresAt.IsZero():
		return invalid("voucher %q has no expiry", v.ID)
	case v.RedeemedBy != "":
		return invalid("voucher %q is created already redeemed", v.ID)
	}
	return nil
}

func validateWebhook(w *store.Webhook) error {
	switch {
	case w == nil:
		return invalid("webhook is nil")
	case w.WorkspaceID == "":
		return invalid("webhook %q has no workspace id", w.ID)
	case w.URL == "":
		return invalid("webhook %q has no url", w.ID)
	}
	return nil
}

func validateDelivery(d *store.Delivery) error {
	switch {
	case d == nil:
		return invalid("delivery is nil")
	case d.WorkspaceID == "":
		return invalid("delivery %q has no workspace id", d.ID)
	case d.ID == "":
		return invalid("delivery id is empty")
	case d.WebhookID == "":
		return invalid("delivery %q has no webhook id", d.ID)
	}
	return nil
}

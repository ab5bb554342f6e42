package admin

import (
	"net/http"
	"testing"
)

// TestBillingSettingsRoundTripAndValidate: the owner sets the period anchor
// and thresholds, owners and admins read them, and bad values name the field.
func TestBillingSettingsRoundTripAndValidate(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("billing")
			path := "/v1/workspaces/" + ow.Workspace.ID + "/billing"
			var b billingView
			e.as(ow.Token, http.StatusOK, "PUT", path, map[string]any{"anchor": 15, "low_balance": 2_500_000,
				"auto_topup_below": 1_000_000, "auto_topup_amount": 20_000_000}, &b)
			if b.Anchor != 15 || b.LowBalanceCredits != "2.5" || b.AutoTopUpAmountCredits != "20" {
				t.Fatalf("put answered %+v", b)
			}
			_, adminTok := e.memberOf(ow.Workspace.ID, "admin@billing.test", "admin")
			var got billingView
			e.as(adminTok, http.StatusOK, "GET", path, nil, &got)
			if got != b {
				t.Fatalf("admin reads %+v, want %+v", got, b)
			}
			e.as(adminTok, http.StatusForbidden, "PUT", path, map[string]any{"anchor": 1}, nil)
			for _, c := range []struct {
				body map[string]any
				msg  string
			}{
				{map[string]any{"anchor": 29}, "anchor: want a day of the month from 1 to 28"},
				{map[string]any{"low_balance": -1}, "low_balance: want micro-credits"},
				{map[string]any{"auto_topup_below": 5}, "auto_topup_amount: required"},
				{map[string]any{"auto_topup_amount": 5}, "auto_topup_below: required"},
			} {
				e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PUT", path, c.body, c.msg)
			}
			e.as(ow.Token, http.StatusOK, "PUT", path, map[string]any{}, &got)
			if got.Anchor != 0 || got.LowBalance != 0 || got.AutoTopUpBelow != 0 {
				t.Fatalf("an empty PUT turns everything off: %+v", got)
			}
		})
	}
}

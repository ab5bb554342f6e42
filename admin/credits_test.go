package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
)

// TestTopUpCreditsAuditsAndAlerts: an operator's top-up changes the balance,
// shows amounts as integers and decimals, lands in the ledger and the audit
// log, and raises credits.added, on both stores.
func TestTopUpCreditsAuditsAndAlerts(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("money")
			ws := ow.Workspace.ID
			made := e.topUp(ws, "12.5")
			tx := made.Transaction
			if tx.Kind != "topup" || tx.Amount != 12_500_000 || tx.AmountCredits != "12.5" || tx.Actor != "operator" ||
				tx.Balance == nil || *tx.Balance != 12_500_000 || made.Credits.BalanceCredits != "12.5" {
				t.Fatalf("top-up answered %+v", made)
			}
			var cr creditsView
			e.as(ow.Token, http.StatusOK, "GET", "/v1/workspaces/"+ws+"/credits", nil, &cr)
			if cr.Balance != 12_500_000 || cr.BalanceCredits != "12.5" || cr.Available != 12_500_000 || cr.Held != 0 {
				t.Fatalf("credits %+v", cr)
			}
			var ledger page[transactionView]
			e.as(ow.Token, http.StatusOK, "GET", "/v1/workspaces/"+ws+"/transactions", nil, &ledger)
			if len(ledger.Items) != 1 || ledger.Items[0].ID != tx.ID {
				t.Fatalf("ledger %+v", ledger)
			}
			var audit page[auditView]
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/audit", nil, &audit)
			found := false
			for _, a := range audit.Items {
				found = found || a.Action == "credits.topup" && a.TargetID == tx.ID && a.ActorKind == "operator" && a.Detail == "topup 12.5 credits"
			}
			if !found {
				t.Fatalf("no credits.topup audit entry for %s in %+v", tx.ID, audit.Items)
			}
			added := e.alertsOf(ws, notify.EventCreditsAdded)
			if len(added) != 1 {
				t.Fatalf("credits.added alerts: %+v", added)
			}
			if d := added[0].Data.(notify.CreditsData); d.Amount != 12_500_000 || d.Balance != 12_500_000 || d.Source != "topup" {
				t.Fatalf("credits.added data %+v", d)
			}
		})
	}
}

// TestAdjustmentsTakeASignAndANoteAndRaiseLowBalance: an adjustment may
// lower the balance, must say why, and crossing the workspace's low-balance
// threshold raises credits.low once with the threshold.
func TestAdjustmentsTakeASignAndANoteAndRaiseLowBalance(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("adjust")
			ws := ow.Workspace.ID
			base := "/v1/workspaces/" + ws
			e.as(ow.Token, http.StatusOK, "PUT", base+"/billing", map[string]any{"low_balance": 10_000_000}, nil)
			e.topUp(ws, "20")
			e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "POST", base+"/credits/adjust", map[string]any{"credits": "-15"}, "note: required")
			var out transactionResponse
			e.must(http.StatusCreated, "POST", base+"/credits/adjust", map[string]any{"amount": -15_000_000, "note": "refund of a duplicate top-up"}, &out)
			if out.Transaction.Kind != "adjustment" || out.Transaction.Amount != -15_000_000 || out.Credits.Balance != 5_000_000 {
				t.Fatalf("adjustment %+v", out)
			}
			low := e.alertsOf(ws, notify.EventCreditsLow)
			if len(low) != 1 || low[0].Data.(notify.CreditsData).Threshold != 10_000_000 || low[0].Data.(notify.CreditsData).Balance != 5_000_000 {
				t.Fatalf("credits.low alerts %+v", low)
			}
			if n := len(e.alertsOf(ws, notify.EventCreditsAdded)); n != 1 {
				t.Fatalf("%d credits.added alerts; a negative adjustment adds nothing", n)
			}
			e.must(http.StatusCreated, "POST", base+"/credits/adjust", map[string]any{"credits": "-1", "note": "again"}, nil)
			if n := len(e.alertsOf(ws, notify.EventCreditsLow)); n != 1 {
				t.Fatalf("credits.low raised %d times; once per crossing", n)
			}
		})
	}
}

// TestAutoTopUpRequestCarriesTheConfiguredAmount: falling under
// auto_topup_below raises one request for auto_topup_amount.
func TestAutoTopUpRequestCarriesTheConfiguredAmount(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("auto")
	ws := ow.Workspace.ID
	e.as(ow.Token, http.StatusOK, "PUT", "/v1/workspaces/"+ws+"/billing",
		map[string]any{"auto_topup_below": 5_000_000, "auto_topup_amount": 50_000_000}, nil)
	e.topUp(ws, "6")
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/credits/adjust", map[string]any{"credits": "-2", "note": "x"}, nil)
	req := e.alertsOf(ws, notify.EventAutoTopUp)
	if len(req) != 1 {
		t.Fatalf("auto top-up requests %+v", req)
	}
	if d := req[0].Data.(notify.CreditsData); d.Amount != 50_000_000 || d.Threshold != 5_000_000 || d.Balance != 4_000_000 {
		t.Fatalf("auto top-up data %+v", d)
	}
}

// TestCreditRequestsRefusedNamingTheField: bad money never reaches the
// ledger, and the message names the field.
func TestCreditRequestsRefusedNamingTheField(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("bad money")
	path := "/v1/workspaces/" + ws + "/credits/topup"
	for _, c := range []struct {
		body any
		code string
		msg  string
	}{
		{map[string]any{"credits": "12.3456789"}, CodeInvalidRequest, "credits: more than 6 decimals"},
		{map[string]any{"credits": 1e21}, CodeInvalidRequest, "credits: "},
		{map[string]any{"credits": true}, CodeInvalidRequest, "credits: not a decimal"},
		{map[string]any{"credits": "-5"}, CodeInvalidRequest, "credits: must be positive"},
		{map[string]any{"amount": 0}, CodeInvalidRequest, "amount: must not be zero"},
		{map[string]any{"amount": 1, "credits": "1"}, CodeInvalidRequest, "give one, not both"},
		{map[string]any{"amount": "1"}, CodeInvalidRequest, "amount: want an integer"},
		{map[string]any{}, CodeInvalidRequest, "amount or credits: required"},
		{map[string]any{"credit": "1"}, CodeUnknownField, `unknown field "credit"`},
		{map[string]any{"credits": "1", "note": "a\nb"}, CodeInvalidRequest, "note: must be printable"},
	} {
		e.mustFail(http.StatusBadRequest, c.code, "POST", path, c.body, c.msg)
	}
	cr, err := e.money().Credits(context.Background(), ws)
	if err != nil || cr.Balance != 0 {
		t.Fatalf("balance after refused top-ups: %+v %v", cr, err)
	}
	var tx transactionResponse
	e.must(http.StatusCreated, "POST", path, map[string]any{"credits": 0.25}, &tx)
	if tx.Transaction.Amount != 250_000 {
		t.Fatalf("a JSON number of credits: %+v", tx)
	}
}

// TestLedgerPagesNewestFirstWithUsageRows: the ledger pages through explicit
// transactions and hourly usage rows; balance = sum of the ledger.
func TestLedgerPagesNewestFirstWithUsageRows(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("ledger")
			ws := ow.Workspace.ID
			for i := 0; i < 3; i++ {
				e.topUp(ws, "1")
				e.advance(3600e9)
			}
			e.settle(ws, store.RequestRecord{TokenID: ow.TokenID, MemberID: ow.Owner.ID, Kind: "member", Upstream: "openai", Model: "gpt-4o", Cost: 400_000})
			var all []transactionView
			cursor := ""
			for pages := 0; ; pages++ {
				var p page[transactionView]
				e.as(ow.Token, http.StatusOK, "GET", "/v1/workspaces/"+ws+"/transactions?limit=2"+cursor, nil, &p)
				all = append(all, p.Items...)
				if p.NextCursor == "" || pages > 5 {
					break
				}
				cursor = "&cursor=" + p.NextCursor
			}
			sum := int64(0)
			for _, tx := range all {
				sum += tx.Amount
			}
			if len(all) != 4 || all[0].Kind != "usage" || all[0].Amount != -400_000 || all[0].Balance != nil || sum != 2_600_000 {
				b, _ := json.Marshal(all)
				t.Fatalf("ledger %s, sum %d", b, sum)
			}
			var cr creditsView
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/credits", nil, &cr)
			if cr.Balance != sum {
				t.Fatalf("balance %d != ledger sum %d", cr.Balance, sum)
			}
			var since page[transactionView]
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/transactions?since=90m", nil, &since)
			if len(since.Items) != 2 {
				t.Fatalf("since=90m: %+v", since.Items)
			}
			e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", "/v1/workspaces/"+ws+"/transactions?until=soon", nil, "until: ")
		})
	}
}

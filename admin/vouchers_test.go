package admin

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/notify"
)

// createVoucher makes a voucher as the operator and returns it with its code.
func (e *env) createVoucher(body map[string]any) voucherCreated {
	e.t.Helper()
	var out voucherCreated
	e.must(http.StatusCreated, "POST", "/v1/vouchers", body, &out)
	return out
}

// TestVoucherRedeemedOnceUnder20ConcurrentRequests: twenty owners' requests
// racing for one code (HTTP, both stores): exactly one 200, the others 409
// voucher_used, and the balance grows by the amount once.
func TestVoucherRedeemedOnceUnder20ConcurrentRequests(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("race")
			v := e.createVoucher(map[string]any{"credits": "5", "note": "launch promo"})
			path := "/v1/workspaces/" + ow.Workspace.ID + "/vouchers/redeem"
			statuses := make([]int, 20)
			bodies := make([]string, 20)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					s, b := e.doAuth("POST", path, map[string]any{"code": v.Code}, "Bearer "+ow.Token)
					statuses[i], bodies[i] = s, string(b)
				}()
			}
			close(start)
			wg.Wait()
			ok, used := 0, 0
			for i, s := range statuses {
				switch {
				case s == http.StatusOK:
					ok++
				case s == http.StatusConflict && strings.Contains(bodies[i], CodeVoucherUsed):
					used++
				default:
					t.Errorf("redeem %d: %d %s", i, s, bodies[i])
				}
			}
			if ok != 1 || used != 19 {
				t.Fatalf("%d redeemed, %d voucher_used; want 1 and 19", ok, used)
			}
			var cr creditsView
			e.as(ow.Token, http.StatusOK, "GET", "/v1/workspaces/"+ow.Workspace.ID+"/credits", nil, &cr)
			if cr.Balance != 5_000_000 {
				t.Fatalf("balance %d after the race, want 5 credits once", cr.Balance)
			}
			if added := e.alertsOf(ow.Workspace.ID, notify.EventCreditsAdded); len(added) != 1 || added[0].Data.(notify.CreditsData).Source != "voucher" {
				t.Fatalf("credits.added alerts %+v", added)
			}
		})
	}
}

// TestVoucherErrorsAreClear: an unknown, mistyped, used or expired code
// each has its own stable code; the code is shown once and the list shows
// status, never the code.
func TestVoucherErrorsAreClear(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("vouchers")
	ws := ow.Workspace.ID
	redeem := "/v1/workspaces/" + ws + "/vouchers/redeem"
	fail := func(status int, code string, body any, msg string) {
		t.Helper()
		s, b := e.doAuth("POST", redeem, body, "Bearer "+ow.Token)
		if s != status || !strings.Contains(string(b), `"code":"`+code+`"`) || !strings.Contains(string(b), msg) {
			t.Fatalf("redeem %v: %d %s, want %d %s %q", body, s, b, status, code, msg)
		}
	}
	unknown, _ := newVoucherCode()
	fail(http.StatusNotFound, CodeVoucherUnknown, map[string]any{"code": unknown}, "no voucher has this code")
	fail(http.StatusNotFound, CodeVoucherUnknown, map[string]any{"code": unknown[:20]}, "check for a typo")
	fail(http.StatusBadRequest, CodeInvalidRequest, map[string]any{"code": ""}, "code: required")
	fail(http.StatusBadRequest, CodeUnknownField, map[string]any{"code": unknown, "amount": 1}, "unknown field")

	short := e.createVoucher(map[string]any{"amount": 1_000_000, "expires_in": "2d"})
	if !short.Voucher.ExpiresAt.Equal(testNow.Add(48*time.Hour)) || short.Voucher.Status != "unused" || short.Voucher.AmountCredits != "1" {
		t.Fatalf("voucher %+v", short.Voucher)
	}
	used := e.createVoucher(map[string]any{"credits": 2, "expires_at": testNow.Add(time.Hour).Format(time.RFC3339)})
	e.as(ow.Token, http.StatusOK, "POST", redeem, map[string]any{"code": " " + used.Code + " "}, nil)
	fail(http.StatusConflict, CodeVoucherUsed, map[string]any{"code": used.Code}, "redeemed already")
	e.advance(72 * time.Hour)
	fail(http.StatusGone, CodeVoucherExpired, map[string]any{"code": short.Code}, "expired")

	var list page[voucherView]
	e.must(http.StatusOK, "GET", "/v1/vouchers", nil, &list)
	status := map[string]string{}
	for _, v := range list.Items {
		status[v.ID] = v.Status
	}
	if status[short.Voucher.ID] != "expired" || status[used.Voucher.ID] != "redeemed" {
		t.Fatalf("voucher list %+v", list.Items)
	}
	for _, code := range []string{short.Code, used.Code} {
		if x := e.responsesContaining(code); len(x) != 1 || x[0].method != "POST" || x[0].path != "/v1/vouchers" {
			t.Errorf("code %s… appears in %d responses, want only its creation", code[:8], len(x))
		}
	}
	for _, c := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"credits": "1", "expires_in": "0d"}, "expires_in: want an age"},
		{map[string]any{"credits": "1", "expires_in": "1d", "expires_at": "2031-01-01T00:00:00Z"}, "give one, not both"},
		{map[string]any{"credits": "1", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at: must be in the future"},
		{map[string]any{"credits": "-1"}, "credits: must be positive"},
	} {
		e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "POST", "/v1/vouchers", c.body, c.msg)
	}
}

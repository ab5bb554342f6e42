package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testSweptAlertsReportedOnce: a threshold crossed by settling an expired
// hold is reported exactly once, by the next Settle or AddCredits, whether
// a money read (Credits) or that Settle swept the hold; a crossing no
// caller reports would never fire its webhook or auto top-up.
func testSweptAlertsReportedOnce(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100})
	e.setBilling(store.Billing{LowBalance: 5 * credit})
	mt := e.tok(token.Member, e.member(0))
	low := store.CreditAlerts{LowBalance: true}
	e.topUp(e.ws, 6*credit)
	// expire leaves a hold of 2 credits expired: 6 → 4 when it is settled.
	expire := func() {
		e.mustHold(mt, "", limiter.Hold{Credits: 2 * credit})
		e.clock.Advance(holdTTL + time.Minute)
	}

	expire()
	e.wantCredits(e.ws, 4*credit, 0, "after the sweep by Credits")
	if r := e.settle(mt, token.NewID(), "", 0, store.Tokens{}); r.CreditAlerts != low {
		t.Fatalf("first Settle after a sweep by Credits crossed LowBalance: alerts %+v, want %+v", r.CreditAlerts, low)
	}
	if r := e.settle(mt, token.NewID(), "", 0, store.Tokens{}); r.CreditAlerts != (store.CreditAlerts{}) {
		t.Fatalf("second Settle after the sweep: alerts %+v, want none (reported once)", r.CreditAlerts)
	}

	e.topUp(e.ws, 2*credit) // 4 → 6: re-armed
	expire()
	e.wantCredits(e.ws, 4*credit, 0, "after the second sweep")
	if _, a, err := e.addCredits(e.ws, "", store.TxAdjustment, -1); err != nil || a != low {
		t.Fatalf("first AddCredits after a sweep crossed LowBalance: alerts %+v, error %v; want %+v", a, err, low)
	}
	if _, a, err := e.addCredits(e.ws, "", store.TxAdjustment, -1); err != nil || a != (store.CreditAlerts{}) {
		t.Fatalf("second AddCredits after the sweep: alerts %+v, error %v; want none", a, err)
	}

	e.topUp(e.ws, 2*credit+2) // back to 6
	expire()
	if r := e.settle(mt, token.NewID(), "", 0, store.Tokens{}); r.CreditAlerts != low || r.Balance != 4*credit {
		t.Fatalf("Settle that swept the expired hold: %+v, want LowBalance at 4 credits", r)
	}
	if r := e.settle(mt, token.NewID(), "", 0, store.Tokens{}); r.CreditAlerts != (store.CreditAlerts{}) {
		t.Fatalf("Settle after the one that swept: alerts %+v, want none", r.CreditAlerts)
	}

	e.topUp(e.ws, 2*credit) // 4 → 6
	expire()
	e.wantCredits(e.ws, 4*credit, 0, "after the fourth sweep")
	e.topUp(e.ws, 2*credit)
	if r := e.settle(mt, token.NewID(), "", 0, store.Tokens{}); r.CreditAlerts != (store.CreditAlerts{}) {
		t.Fatalf("Settle at 6 credits after a swept crossing was topped up: alerts %+v, want none", r.CreditAlerts)
	}
}

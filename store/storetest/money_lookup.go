package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testTransactionByID: an explicit transaction reads back by id exactly as
// the ledger lists it, so a retried top-up can answer what the first call
// did; unknown ids, usage rows and other workspaces are not found.
func testTransactionByID(t *testing.T, e *menv) {
	id := token.NewID()
	topUp, _, err := e.addCredits(e.ws, id, store.TxTopUp, 5*credit)
	ok(t, err, "top-up")
	e.clock.Advance(time.Minute)
	adj, _, err := e.addCredits(e.ws, "", store.TxAdjustment, -credit)
	ok(t, err, "adjustment")
	v := e.voucher(2*credit, time.Hour)
	red, _, err := e.m.RedeemVoucher(e.ctx, e.ws, v.Hash, "m-owner")
	ok(t, err, "RedeemVoucher")
	for _, want := range []store.Transaction{topUp, adj, *red} {
		got, err := e.m.Transaction(e.ctx, e.ws, want.ID)
		ok(t, err, "Transaction "+want.ID)
		if !sameTx(got, want) {
			t.Fatalf("Transaction(%s) = %+v, want %+v", want.ID, got, want)
		}
	}
	tk := e.tok(token.Member, e.member(0))
	e.settle(tk, token.NewID(), "gpt-4o", credit, store.Tokens{Input: 1})
	for _, tx := range e.ledger(e.ws, store.TxQuery{}) {
		if tx.Kind == store.TxUsage {
			_, err := e.m.Transaction(e.ctx, e.ws, tx.ID)
			isErr(t, err, store.ErrNotFound, "a usage row by id")
		}
	}
	_, err = e.m.Transaction(e.ctx, e.ws, token.NewID())
	isErr(t, err, store.ErrNotFound, "an unknown id")
	_, err = e.m.Transaction(e.ctx, e.workspace(store.Limits{}), id)
	isErr(t, err, store.ErrNotFound, "another workspace's id")
	_, err = e.m.Transaction(e.ctx, token.NewID(), id)
	isErr(t, err, store.ErrNotFound, "an unknown workspace")
}

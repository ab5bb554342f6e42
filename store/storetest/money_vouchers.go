package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// voucher creates a voucher of amount expiring after ttl and returns it.
// Vouchers are global, so each has a fresh ID and code.
func (e *menv) voucher(amount int64, ttl time.Duration) *store.Voucher {
	e.t.Helper()
	v := e.newVoucher(amount, ttl)
	if err := e.m.CreateVoucher(e.ctx, v); err != nil {
		e.t.Fatalf("CreateVoucher: %v", err)
	}
	return v
}

func (e *menv) newVoucher(amount int64, ttl time.Duration) *store.Voucher {
	now := e.clock.Now()
	return &store.Voucher{ID: token.NewID(), Hash: token.HashOf([]byte("voucher-" + token.NewID() + token.NewID())),
		Amount: amount, Note: "launch", ExpiresAt: now.Add(ttl), CreatedAt: now}
}

// listed returns the stored form of the vouchers with ids, in ListVouchers
// order, ignoring vouchers of other subtests.
func (e *menv) listed(ids ...string) []store.Voucher {
	e.t.Helper()
	all, err := e.m.ListVouchers(e.ctx)
	ok(e.t, err, "ListVouchers")
	var out []store.Voucher
	for _, v := range all {
		for _, id := range ids {
			if v.ID == id {
				out = append(out, v)
			}
		}
	}
	return out
}

// sameVoucher compares the fields ListVouchers returns.
func sameVoucher(a, b store.Voucher) bool {
	return a.ID == b.ID && a.Amount == b.Amount && a.Note == b.Note && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.RedeemedBy == b.RedeemedBy && a.RedeemedAt.Equal(b.RedeemedAt)
}

// testVoucherCRUD: vouchers list newest first, and a taken ID or code hash
// is ErrExists.
func testVoucherCRUD(t *testing.T, e *menv) {
	v1 := e.voucher(5*credit, 24*time.Hour)
	e.clock.Advance(time.Minute)
	v2 := e.voucher(credit, time.Hour)
	dupID := e.newVoucher(credit, time.Hour)
	dupID.ID = v1.ID
	isErr(t, e.m.CreateVoucher(e.ctx, dupID), store.ErrExists, "taken ID")
	dupHash := e.newVoucher(credit, time.Hour)
	dupHash.Hash = v2.Hash
	isErr(t, e.m.CreateVoucher(e.ctx, dupHash), store.ErrExists, "taken hash")
	got := e.listed(v1.ID, v2.ID, dupHash.ID)
	if len(got) != 2 || !sameVoucher(got[0], *v2) || !sameVoucher(got[1], *v1) {
		t.Fatalf("listed %+v, want v2 then v1 as created", got)
	}
}

// testVoucherRedeem: a voucher credits the redeeming workspace once with a
// TxVoucher carrying its ID, raises no alert, and is used thereafter.
func testVoucherRedeem(t *testing.T, e *menv) {
	e.setBilling(store.Billing{LowBalance: 100 * credit, AutoTopUpBelow: 100 * credit})
	v := e.voucher(5*credit, 24*time.Hour)
	e.clock.Advance(5 * time.Minute)
	tx, alerts, err := e.m.RedeemVoucher(e.ctx, e.ws, v.Hash, "m-owner")
	ok(t, err, "RedeemVoucher")
	now := e.clock.Now()
	want := store.Transaction{ID: v.ID, Kind: store.TxVoucher, Amount: 5 * credit, Balance: 5 * credit,
		Actor: "m-owner", Voucher: v.ID, At: now}
	if tx != nil {
		want.Note = tx.Note // the contract leaves the note to the store
	}
	if tx == nil || !sameTx(*tx, want) || alerts != (store.CreditAlerts{}) {
		t.Fatalf("redeem: %+v alerts %+v, want %+v and no alerts", tx, alerts, want)
	}
	e.wantCredits(e.ws, 5*credit, 0, "after redeem")
	sameTxs(t, e.ledger(e.ws, store.TxQuery{}), []store.Transaction{want}, "ledger")
	redeemed := *v
	redeemed.RedeemedBy, redeemed.RedeemedAt = e.ws, now
	if got := e.listed(v.ID); len(got) != 1 || !sameVoucher(got[0], redeemed) {
		t.Fatalf("listed %+v, want redeemed by %s at %v", got, e.ws, now)
	}
	_, _, err = e.m.RedeemVoucher(e.ctx, e.ws, v.Hash, "m-owner")
	isErr(t, err, store.ErrVoucherUsed, "second redeem by the same workspace")
	other := e.workspace(store.Limits{})
	_, _, err = e.m.RedeemVoucher(e.ctx, other, v.Hash, "m-other")
	isErr(t, err, store.ErrVoucherUsed, "redeem by another workspace")
	e.wantCredits(e.ws, 5*credit, 0, "after the refused redeems")
	e.wantCredits(other, 0, 0, "the other workspace")
}

// testVoucherExpiredUnknown: a voucher is refused from its expiry on, by
// the store's clock, and an unknown code is ErrNotFound.
func testVoucherExpiredUnknown(t *testing.T, e *menv) {
	v := e.voucher(credit, time.Hour)
	later := e.voucher(credit, time.Hour+time.Millisecond)
	e.clock.Advance(time.Hour)
	_, _, err := e.m.RedeemVoucher(e.ctx, e.ws, v.Hash, "m")
	isErr(t, err, store.ErrVoucherExpired, "at expiry")
	_, _, err = e.m.RedeemVoucher(e.ctx, e.ws, later.Hash, "m")
	ok(t, err, "a millisecond before expiry")
	_, _, err = e.m.RedeemVoucher(e.ctx, e.ws, token.HashOf([]byte("no such code")), "m")
	isErr(t, err, store.ErrNotFound, "unknown code")
	e.wantCredits(e.ws, credit, 0, "only the valid voucher")
	if got := e.listed(v.ID); len(got) != 1 || got[0].RedeemedBy != "" {
		t.Fatalf("expired voucher %+v, want it listed and not redeemed", got)
	}
}

// redeemRace redeems v concurrently once per workspace in wss and returns
// how many succeeded; every other outcome must be ErrVoucherUsed.
func (e *menv) redeemRace(v *store.Voucher, wss []string) (wins int, winner string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, ws := range wss {
		wg.Go(func() {
			<-start
			_, _, err := e.m.RedeemVoucher(e.ctx, ws, v.Hash, "m")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins, winner = wins+1, ws
			case !errors.Is(err, store.ErrVoucherUsed):
				e.t.Errorf("RedeemVoucher into %s: %v, want nil or ErrVoucherUsed", ws, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return wins, winner
}

// testVoucherRaceWorkspaces: 20 workspaces redeeming one voucher at once:
// exactly one succeeds and only its balance and ledger change.
func testVoucherRaceWorkspaces(t *testing.T, e *menv) {
	v := e.voucher(3*credit, time.Hour)
	wss := make([]string, 20)
	for i := range wss {
		wss[i] = e.workspace(store.Limits{})
	}
	wins, winner := e.redeemRace(v, wss)
	if wins != 1 {
		t.Fatalf("%d of 20 racing redeems succeeded, want 1", wins)
	}
	for _, ws := range wss {
		txs := e.ledger(ws, store.TxQuery{})
		if c := e.credits(ws); ws == winner && (c.Balance != 3*credit || len(txs) != 1) ||
			ws != winner && (c.Balance != 0 || len(txs) != 0) {
			t.Fatalf("workspace %s (winner %v): credits %+v, ledger %+v", ws, ws == winner, c, txs)
		}
	}
	if got := e.listed(v.ID); len(got) != 1 || got[0].RedeemedBy != winner {
		t.Fatalf("listed %+v, want redeemed by the winner %s", got, winner)
	}
}

// testVoucherRaceOneWorkspace: 20 redeems of one voucher by one workspace
// at once: exactly one succeeds and the workspace is credited once.
func testVoucherRaceOneWorkspace(t *testing.T, e *menv) {
	v := e.voucher(3*credit, time.Hour)
	wss := make([]string, 20)
	for i := range wss {
		wss[i] = e.ws
	}
	if wins, _ := e.redeemRace(v, wss); wins != 1 {
		t.Fatalf("%d of 20 racing redeems succeeded, want 1", wins)
	}
	e.wantCredits(e.ws, 3*credit, 0, "after the race")
	if txs := e.ledger(e.ws, store.TxQuery{}); len(txs) != 1 || txs[0].ID != v.ID {
		t.Fatalf("ledger %+v, want the one voucher transaction", txs)
	}
}

package embedded

import (
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// TestHeldSettleLeavesNoMarker: a request admission held, free (zero hold)
// or priced, is settled without a marker on disk (the hold guards it) and
// a retry charges nothing, because two marker puts per settlement were
// disk work and space kept a day for nothing; a settlement admission did
// not hold still keeps its marker.
func TestHeldSettleLeavesNoMarker(t *testing.T) {
	f := newMoneyFixture(t, store.Limits{MemberRPM: 100})
	if _, err := f.s.AddCredits(f.ctx, f.ws, &store.Transaction{Kind: store.TxTopUp, Amount: 10 * store.MicroPerCredit}); err != nil {
		t.Fatal(err)
	}
	for i, h := range []limiter.Hold{{}, {Credits: 100, Input: 10}} {
		id := string(rune('a' + i))
		f.hold(t, id, h)
		st := f.settlement(id, 90)
		st.Held = true
		var r store.SettleResult
		if err := f.s.Settle(f.ctx, &st, &r); err != nil || !r.Settled {
			t.Fatalf("settle %s: %v %+v", id, err, r)
		}
		if err := f.s.Settle(f.ctx, &st, &r); err != nil || r.Settled {
			t.Fatalf("retry of %s: %v %+v, want not settled", id, err, r)
		}
	}
	if n := f.keys(t, bucketSettled) + f.keys(t, bucketSettledExp); n != 0 {
		t.Fatalf("%d marker keys on disk after held settlements, want 0", n)
	}
	st := f.settlement("unheld", 90)
	var r store.SettleResult
	if err := f.s.Settle(f.ctx, &st, &r); err != nil || !r.Settled {
		t.Fatalf("unheld settle: %v %+v", err, r)
	}
	if n := f.keys(t, bucketSettled); n != 1 {
		t.Fatalf("%d markers after an unheld settlement, want 1", n)
	}
	if c, err := f.s.Credits(f.ctx, f.ws); err != nil || c.Balance != 10*store.MicroPerCredit-270 {
		t.Fatalf("credits %+v %v, want three charges of 90", c, err)
	}
}

package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// tally is what a concurrent run did, summed across workers.
type tally struct {
	settled, refused, charged, toppedUp atomic.Int64
}

// runWorkers runs n workers at once, each calling round rounds times, and
// reports the first error of each worker.
func runWorkers(t *testing.T, n, rounds int, round func(w, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range n {
		wg.Go(func() {
			<-start
			for i := range rounds {
				if err := round(w, i); err != nil {
					t.Errorf("worker %d round %d: %v", w, i, err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
}

// admitSettle admits tk holding est; when allowed it settles cost twice at
// once (a replica and its retry) and checks that exactly one charged and
// that the balance it left is at least floor.
func (e *menv) admitSettle(tk *store.Token, est, cost, floor int64, tl *tally) error {
	id := token.NewID()
	r := e.req(tk, "openai", "gpt-4o", id, limiter.Hold{Credits: est, Input: 10})
	var d limiter.Decision
	if err := e.m.Admit(e.ctx, &r, &d); err != nil {
		return err
	}
	switch d.Outcome {
	case limiter.NoCredits:
		if d.Limit >= est {
			return fmt.Errorf("NoCredits with %d available for a hold of %d", d.Limit, est)
		}
		tl.refused.Add(1)
		return nil
	case limiter.Allowed:
	default:
		return fmt.Errorf("decision %+v, want allowed or NoCredits", d)
	}
	var res [2]store.SettleResult
	var errs [2]error
	var wg sync.WaitGroup
	for j := range 2 {
		wg.Go(func() {
			s := store.Settlement{Workspace: e.ws, RequestID: id, Cost: cost, Record: record(tk, id, "gpt-4o", cost, store.Tokens{Input: 9})}
			errs[j] = e.m.Settle(e.ctx, &s, &res[j])
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		return fmt.Errorf("Settle: %v, %v", errs[0], errs[1])
	}
	if res[0].Settled == res[1].Settled {
		return fmt.Errorf("two settles of %s: Settled %v and %v, want exactly one", id, res[0].Settled, res[1].Settled)
	}
	won := res[0]
	if res[1].Settled {
		won = res[1]
	}
	if won.Balance < floor {
		return fmt.Errorf("balance %d after a settle, below %d", won.Balance, floor)
	}
	tl.settled.Add(1)
	tl.charged.Add(cost)
	return nil
}

// wantTally checks the final state of a concurrent run: the balance is the
// start plus top-ups minus charges, nothing is held, the ledger sums to the
// balance, and the audit trail and roll-ups hold every settled request once.
func (e *menv) wantTally(start int64, tl *tally) {
	e.t.Helper()
	e.wantCredits(e.ws, start+tl.toppedUp.Load()-tl.charged.Load(), 0, "after the run")
	e.wantLedgerSum(e.ws, "after the run")
	seen := map[string]bool{}
	for _, r := range e.requests(e.ws, store.RequestQuery{}) {
		if seen[r.RequestID] {
			e.t.Fatalf("request %s audited twice", r.RequestID)
		}
		seen[r.RequestID] = true
	}
	rows, err := e.m.UsageRows(e.ctx, e.ws, Start.Add(-holdTTL), Start.Add(holdTTL))
	ok(e.t, err, "UsageRows")
	var n, credits int64
	for _, r := range rows {
		n, credits = n+r.Requests, credits+r.Credits
	}
	if int64(len(seen)) != tl.settled.Load() || n != tl.settled.Load() || credits != tl.charged.Load() {
		e.t.Fatalf("%d settled charging %d: audit holds %d, roll-ups %d requests and %d credits",
			tl.settled.Load(), tl.charged.Load(), len(seen), n, credits)
	}
}

// testConcurrentLedger: 50 workers admitting, settling (each twice at once)
// and topping up against one balance with estimates ≥ costs lose nothing,
// charge nothing twice, never take the balance or the available credits
// below zero, and leave a ledger that sums to the balance.
func testConcurrentLedger(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{})
	mt := e.tok(token.Member, e.member(0))
	const start, est, topUp = 20 * credit, 100_000, 150_000
	e.topUp(e.ws, start)
	var tl tally
	runWorkers(t, 50, 20, func(w, i int) error {
		cost := est - int64((w+i)%3)*10_000
		if err := e.admitSettle(mt, est, cost, 0, &tl); err != nil {
			return err
		}
		if i%4 == 0 {
			tx := store.Transaction{Kind: store.TxTopUp, Amount: topUp, Actor: "operator"}
			if _, err := e.m.AddCredits(e.ctx, e.ws, &tx); err != nil {
				return err
			}
			tl.toppedUp.Add(topUp)
		}
		c, err := e.m.Credits(e.ctx, e.ws)
		if err == nil && (c.Balance < 0 || c.Balance-c.Held < 0) {
			err = fmt.Errorf("credits %+v: balance or available below zero", c)
		}
		return err
	})
	if t.Failed() {
		return
	}
	if tl.refused.Load() == 0 {
		t.Fatalf("no request was refused: the run never reached the balance")
	}
	e.wantTally(start, &tl)
}

// testConcurrentOvershoot: when costs exceed estimates by δ, 50 workers
// with one request in flight each never take the balance below −50·δ, and
// nothing is lost or charged twice.
func testConcurrentOvershoot(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{})
	mt := e.tok(token.Member, e.member(0))
	const workers, start, est, delta = 50, 3 * credit, 100_000, 50_000
	const floor = -workers * delta
	e.topUp(e.ws, start)
	var tl tally
	runWorkers(t, workers, 10, func(w, i int) error {
		if err := e.admitSettle(mt, est, est+delta, floor, &tl); err != nil {
			return err
		}
		c, err := e.m.Credits(e.ctx, e.ws)
		if err == nil && c.Balance < floor {
			err = fmt.Errorf("credits %+v: balance below %d", c, floor)
		}
		return err
	})
	if t.Failed() {
		return
	}
	e.wantTally(start, &tl)
}

// testConcurrentLimitsExact: racing admissions never pass a member cap or a
// key's token limit, and fill each exactly (estimates equal to costs).
func testConcurrentLimitsExact(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberMonthlyCredits: 2 * credit})
	e.topUp(e.ws, 100*credit)
	mt := e.tok(token.Member, e.member(0))
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.TPM = 1000 })
	var capped, limited, notices, keyAllowed atomic.Int64
	var tl tally
	runWorkers(t, 50, 2, func(w, i int) error {
		if err := e.admitSettleCapped(mt, 100_000, &tl, &capped, &notices); err != nil {
			return err
		}
		var d limiter.Decision
		r := e.req(k, "openai", "", token.NewID(), limiter.Hold{Input: 60, Output: 40})
		if err := e.m.Admit(e.ctx, &r, &d); err != nil {
			return err
		}
		switch d.Outcome {
		case limiter.Allowed:
			keyAllowed.Add(1)
		case limiter.Limited:
			if d.Scope != limiter.ScopeKeyTokens {
				return fmt.Errorf("key decision %+v, want the key's token limit", d)
			}
			limited.Add(1)
		default:
			return fmt.Errorf("key decision %+v", d)
		}
		return nil
	})
	if t.Failed() {
		return
	}
	if tl.settled.Load() != 20 || capped.Load() != 80 || notices.Load() != 1 {
		t.Fatalf("member cap of 20 holds: %d settled, %d capped, %d notices; want 20, 80, 1",
			tl.settled.Load(), capped.Load(), notices.Load())
	}
	if keyAllowed.Load() != 10 || limited.Load() != 90 {
		t.Fatalf("key TPM of 10 holds: %d allowed, %d limited; want 10 and 90", keyAllowed.Load(), limited.Load())
	}
	e.wantCredits(e.ws, 98*credit, 0, "after the run")
}

// admitSettleCapped admits tk holding est and settles est when allowed,
// counting SpendCapped refusals and their notices.
func (e *menv) admitSettleCapped(tk *store.Token, est int64, tl *tally, capped, notices *atomic.Int64) error {
	id := token.NewID()
	r := e.req(tk, "openai", "", id, limiter.Hold{Credits: est})
	var d limiter.Decision
	if err := e.m.Admit(e.ctx, &r, &d); err != nil {
		return err
	}
	switch d.Outcome {
	case limiter.SpendCapped:
		capped.Add(1)
		if d.CapNotice {
			notices.Add(1)
		}
		return nil
	case limiter.Allowed:
	default:
		return fmt.Errorf("member decision %+v, want allowed or SpendCapped", d)
	}
	var res store.SettleResult
	s := store.Settlement{Workspace: e.ws, RequestID: id, Cost: est, Record: record(tk, id, "", est, store.Tokens{})}
	if err := e.m.Settle(e.ctx, &s, &res); err != nil || !res.Settled {
		return fmt.Errorf("Settle: %+v, %v", res, err)
	}
	tl.settled.Add(1)
	return nil
}

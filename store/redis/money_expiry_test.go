package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/store/storetest"
	"github.com/tollgate-dev/tollgate/token"
)

// TestAlertOfExpirySweptByAdmitReportedOnceBySettle: Admit cannot report
// alerts, so a low-balance crossing made by the expiry of a hold that an
// Admit settles is kept and reported by the next Settle, once.
func TestAlertOfExpirySweptByAdmitReportedOnceBySettle(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewFakeClock(storetest.Start)
	s := open(t, srv, redisstore.Options{Now: clock.Now, HoldTTL: time.Minute})
	f := seedMoney(t, s)
	ctx := context.Background()
	const bal = 1000 * store.MicroPerCredit
	must(t, s.SetBilling(ctx, f.ws, store.Billing{LowBalance: bal - 10, AutoTopUpBelow: bal - 10}))
	if d := f.admitHold(t, s, f.member, newRID(), limiter.Hold{Credits: 20}); d.Outcome != limiter.Allowed {
		t.Fatalf("hold: %+v", d)
	}
	clock.Advance(time.Minute)
	if d := f.admitHold(t, s, f.key, newRID(), limiter.Hold{}); d.Outcome != limiter.Allowed {
		t.Fatalf("admit after expiry: %+v", d)
	}
	if c, err := s.Credits(ctx, f.ws); err != nil || c != (store.Credits{Balance: bal - 20}) {
		t.Fatalf("credits after the sweep: %+v %v, want balance %d held 0", c, err, bal-20)
	}
	r := f.settle(t, s, f.key, newRID(), 0, store.Tokens{})
	if !r.LowBalance || !r.AutoTopUp || r.Balance != bal-20 {
		t.Fatalf("first settle after the crossing: %+v, want both alerts", r)
	}
	if r := f.settle(t, s, f.key, newRID(), 0, store.Tokens{}); r.LowBalance || r.AutoTopUp {
		t.Fatalf("second settle: %+v, want no alert", r)
	}
}

// TestRequestStreamTrimmedByRetention: the audit stream is trimmed by XADD
// MINID as records pass the retention, so it does not grow without end.
func TestRequestStreamTrimmedByRetention(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewFakeClock(storetest.Start)
	s := open(t, srv, redisstore.Options{Now: clock.Now, RequestRetention: time.Hour})
	f := seedMoney(t, s)
	const n = 300 // a few stream nodes (100 entries each): MINID ~ drops whole nodes
	for range n {
		f.settle(t, s, f.key, newRID(), 1, store.Tokens{})
	}
	clock.Advance(time.Hour + time.Minute)
	f.settle(t, s, f.key, newRID(), 1, store.Tokens{})
	ctx := context.Background()
	l, err := rawClient(t, srv).XLen(ctx, "{w:"+f.ws+"}:req").Result()
	must(t, err)
	if l >= n {
		t.Fatalf("stream holds %d entries after the retention, want fewer than %d", l, n)
	}
	recs, _, err := s.Requests(ctx, f.ws, store.RequestQuery{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("requests: %d records, %v; want the 1 within retention", len(recs), err)
	}
}

// TestDeleteWorkspaceDeletesMoneyKeys: deleting a workspace leaves none of
// its kept keys (balance, ledger, holds, webhooks); only expiring counters
// and markers may outlive it until their TTL.
func TestDeleteWorkspaceDeletesMoneyKeys(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seedMoney(t, s)
	ctx := context.Background()
	rid := newRID()
	f.admitHold(t, s, f.member, rid, limiter.Hold{Credits: 5, Input: 5})
	f.settle(t, s, f.member, rid, 5, store.Tokens{Input: 5})
	f.admitHold(t, s, f.key, newRID(), limiter.Hold{Credits: 5})
	must(t, s.CreateWebhook(ctx, &store.Webhook{WorkspaceID: f.ws, URL: "https://x"}))
	must(t, s.RecordDelivery(ctx, &store.Delivery{ID: "e.1", WebhookID: "w", WorkspaceID: f.ws}))
	must(t, s.DeleteWorkspace(ctx, f.ws))
	c := rawClient(t, srv)
	keys, err := c.Keys(ctx, "{w:"+f.ws+"}:*").Result()
	must(t, err)
	for _, k := range keys {
		if ttl, err := c.PTTL(ctx, k).Result(); err != nil || ttl < 0 {
			t.Errorf("%s outlives its workspace without a TTL (%v %v)", k, ttl, err)
		}
	}
	var r store.SettleResult
	err = s.Settle(ctx, &store.Settlement{Workspace: f.ws, RequestID: newRID()}, &r)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settle in the deleted workspace: %v, want ErrNotFound", err)
	}
}

// TestMoneyBadInputNamesTheProblem: input the store cannot hold is refused
// with an error that names the field, before anything is written.
func TestMoneyBadInputNamesTheProblem(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seedMoney(t, s)
	ctx := context.Background()
	var d limiter.Decision
	var r store.SettleResult
	for _, c := range []struct {
		want string
		err  error
	}{
		{"negative hold", s.Admit(ctx, &limiter.Request{Workspace: f.ws, TokenHash: f.key.Hash, Upstream: f.upstream,
			Hold: limiter.Hold{Credits: -1}}, &d)},
		{"negative cost", s.Settle(ctx, &store.Settlement{Workspace: f.ws, Cost: -1}, &r)},
		{"tool \"a\\tb\" holds a tab", s.Settle(ctx, &store.Settlement{Workspace: f.ws,
			Record: store.RequestRecord{Tool: "a\tb"}}, &r)},
		{"token_count \"both\"", s.SetLimits(ctx, f.ws, store.Limits{TokenCount: "both"})},
		{"token limit -1", s.SetLimits(ctx, f.ws, store.Limits{KeyTPM: -1})},
		{"billing anchor 29", s.SetBilling(ctx, f.ws, store.Billing{Anchor: 29})},
		{"model \"m\" has a negative limit", s.UpdateTokenLimits(ctx, f.ws, f.key.ID,
			store.TokenLimits{ModelLimits: map[string]store.ModelLimit{"m": {TPM: -1}}})},
		{"model name \"a,b\"", s.UpdateTokenLimits(ctx, f.ws, f.key.ID,
			store.TokenLimits{ModelLimits: map[string]store.ModelLimit{"a,b": {TPM: 1}}})},
		{"top-up of -5", addCredits(s, f.ws, store.TxTopUp, -5)},
		{"adjustment of 0", addCredits(s, f.ws, store.TxAdjustment, 0)},
		{"kind \"voucher\"", addCredits(s, f.ws, store.TxVoucher, 5)},
		{"amount 0", s.CreateVoucher(ctx, &store.Voucher{ID: token.NewID(), Hash: token.HashOf([]byte("c"))})},
		{"has no url", s.CreateWebhook(ctx, &store.Webhook{WorkspaceID: f.ws})},
		{"limit -1", func() error { _, _, err := s.Requests(ctx, f.ws, store.RequestQuery{Limit: -1}); return err }()},
		{"bad cursor", func() error {
			_, _, err := s.Transactions(ctx, f.ws, store.TxQuery{Cursor: "x"})
			return err
		}()},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("got %v, want an error naming %s", c.err, c.want)
		}
	}
	if cr, err := s.Credits(ctx, f.ws); err != nil || cr.Balance != 1000*store.MicroPerCredit || cr.Held != 0 {
		t.Fatalf("credits after refused input: %+v %v", cr, err)
	}
}

func addCredits(s *redisstore.Store, ws string, k store.TxKind, amount int64) error {
	_, err := s.AddCredits(context.Background(), ws, &store.Transaction{Kind: k, Amount: amount})
	return err
}

// TestLateSettleOfUnsweptExpiredHoldIsNotSettled: a Settle that comes after
// its hold expired, before any sweep, settles it at its estimate and
// reports Settled false, as it would after a sweep: the outcome does not
// depend on which call came first.
func TestLateSettleOfUnsweptExpiredHoldIsNotSettled(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewFakeClock(storetest.Start)
	s := open(t, srv, redisstore.Options{Now: clock.Now, HoldTTL: time.Minute})
	f := seedMoney(t, s)
	const bal = 1000 * store.MicroPerCredit
	rid := newRID()
	f.admitHold(t, s, f.member, rid, limiter.Hold{Credits: 30})
	clock.Advance(time.Minute)
	if r := f.settle(t, s, f.member, rid, 10, store.Tokens{}); r.Settled || r.Balance != bal-30 {
		t.Fatalf("late settle: %+v, want not settled at the estimate (balance %d)", r, bal-30)
	}
	if c, err := s.Credits(context.Background(), f.ws); err != nil || c != (store.Credits{Balance: bal - 30}) {
		t.Fatalf("credits: %+v %v", c, err)
	}
}

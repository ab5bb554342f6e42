package embedded_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

const credit = store.MicroPerCredit

// holdReq admits t on "openai" for model holding h under id.
func (f *fixture) holdReq(t *store.Token, id, model string, h limiter.Hold) limiter.Decision {
	f.t.Helper()
	var d limiter.Decision
	r := limiter.Request{Workspace: f.ws, TokenHash: t.Hash, Upstream: "openai", Model: model, RequestID: id, Hold: h}
	must(f.t, f.s.Admit(f.ctx, &r, &d))
	return d
}

// settle settles request id of t at cost with tokens and returns the result.
func (f *fixture) settle(t *store.Token, id, model string, cost int64, tokens store.Tokens) (store.SettleResult, error) {
	st := store.Settlement{Workspace: f.ws, RequestID: id, Cost: cost, Record: store.RequestRecord{
		RequestID: id, TokenID: t.ID, MemberID: t.MemberID, Kind: t.Kind.String(), Method: "POST",
		Route: "/openai/v1/chat/completions", Upstream: "openai", Model: model, Status: 200, Tokens: tokens, Cost: cost}}
	var r store.SettleResult
	err := f.s.Settle(f.ctx, &st, &r)
	return r, err
}

// topUp adds amount to f's workspace.
func (f *fixture) topUp(amount int64) {
	f.t.Helper()
	tx := store.Transaction{Kind: store.TxTopUp, Amount: amount, Actor: "operator"}
	_, err := f.s.AddCredits(f.ctx, f.ws, &tx)
	must(f.t, err)
}

// moneySnapshot renders everything settled in f's workspace, to compare
// across a restart.
func moneySnapshot(t *testing.T, f *fixture) string {
	t.Helper()
	c, err := f.s.Credits(f.ctx, f.ws)
	must(t, err)
	txs, _, err := f.s.Transactions(f.ctx, f.ws, store.TxQuery{Limit: 1000})
	must(t, err)
	rows, err := f.s.UsageRows(f.ctx, f.ws, time.Time{}, time.Time{})
	must(t, err)
	reqs, _, err := f.s.Requests(f.ctx, f.ws, store.RequestQuery{Limit: 1000})
	must(t, err)
	vs, err := f.s.ListVouchers(f.ctx)
	must(t, err)
	hooks, err := f.s.ListWebhooks(f.ctx, f.ws)
	must(t, err)
	ds, err := f.s.Deliveries(f.ctx, f.ws, "", 0)
	must(t, err)
	w, err := f.s.GetWorkspace(f.ctx, f.ws)
	must(t, err)
	return fmt.Sprintf("%+v|%+v|%+v|%+v|%+v|%+v|%+v|%+v|%+v", c, txs, rows, reqs, vs, hooks, ds, w.Limits, w.Billing)
}

// TestMoneyDurableAcrossRestart: everything settled (balance, ledger, cap
// spend of the period, usage roll-ups, audit trail, settled markers),
// vouchers, webhooks, deliveries and the new limit fields survive Close and
// Open, and admission after the restart decides on them.
func TestMoneyDurableAcrossRestart(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 100, MemberTPM: 5000, WorkspaceTPM: 9000, TokenCount: store.TokensInput,
		MemberMonthlyCredits: 6 * credit, KeyMonthlyCredits: 2 * credit})
	must(t, f.s.SetBilling(f.ctx, f.ws, store.Billing{Anchor: 15, LowBalance: credit}))
	f.member.TPM, f.member.Monthly = 4000, 5*credit
	must(t, f.s.PutMember(f.ctx, f.member))
	key := f.newToken(token.Key, func(t *store.Token) {
		t.TPM, t.Monthly = 700, 3*credit
		t.ModelLimits = map[string]store.ModelLimit{"gpt-4o": {TPM: 600, MonthlyTokens: 900, MonthlyCredits: credit}}
	})
	f.topUp(20 * credit)
	v := &store.Voucher{Hash: token.HashOf([]byte("code")), Amount: 2 * credit, ExpiresAt: start.Add(time.Hour)}
	must(t, f.s.CreateVoucher(f.ctx, v))
	_, _, err := f.s.RedeemVoucher(f.ctx, f.ws, v.Hash, "owner")
	must(t, err)
	hook := &store.Webhook{WorkspaceID: f.ws, URL: "https://hooks.example/x", Secret: "s3cret"}
	must(t, f.s.CreateWebhook(f.ctx, hook))
	must(t, f.s.RecordDelivery(f.ctx, &store.Delivery{ID: "e1.1", WebhookID: hook.ID, WorkspaceID: f.ws, EventID: "e1", Event: "credits.low", Attempt: 1, Status: 500}))

	want(t, f.holdReq(f.tok, "m1", "", limiter.Hold{Credits: 5 * credit}), limiter.Allowed, "member hold")
	_, err = f.settle(f.tok, "m1", "", 4*credit, store.Tokens{Input: 10})
	must(t, err)
	want(t, f.holdReq(key, "k1", "gpt-4o", limiter.Hold{Credits: credit, Input: 500}), limiter.Allowed, "key hold")
	_, err = f.settle(key, "k1", "gpt-4o", credit/2, store.Tokens{Input: 800})
	must(t, err)
	if d := f.holdReq(f.tok, "m2", "", limiter.Hold{Credits: 2 * credit}); d.Outcome != limiter.SpendCapped || !d.CapNotice {
		t.Fatalf("over the member cap: %+v, want SpendCapped with the notice", d)
	}
	before := moneySnapshot(t, f)
	member, err := f.s.GetMember(f.ctx, f.ws, f.member.ID)
	must(t, err)
	tok, err := f.s.GetToken(f.ctx, f.ws, key.ID)
	must(t, err)

	must(t, f.s.Close())
	f.open()

	if after := moneySnapshot(t, f); after != before {
		t.Fatalf("money after reopen differs:\nbefore %s\nafter  %s", before, after)
	}
	m2, err := f.s.GetMember(f.ctx, f.ws, f.member.ID)
	must(t, err)
	t2, err := f.s.GetToken(f.ctx, f.ws, key.ID)
	must(t, err)
	if m2.TPM != member.TPM || m2.Monthly != member.Monthly || t2.TPM != tok.TPM || t2.Monthly != tok.Monthly ||
		fmt.Sprint(t2.ModelLimits) != fmt.Sprint(tok.ModelLimits) {
		t.Fatalf("limits after reopen: member %+v token %+v; want member %+v token %+v", m2, t2, member, tok)
	}
	if r, err := f.settle(f.tok, "m1", "", 4*credit, store.Tokens{}); err != nil || r.Settled {
		t.Fatalf("Settle of m1 again after reopen: %v %+v, want not settled", err, r)
	}
	d := f.holdReq(f.tok, "m3", "", limiter.Hold{Credits: credit + 1})
	if d.Outcome != limiter.SpendCapped || d.Scope != limiter.ScopeMemberSpend || d.Remaining != credit || d.CapNotice {
		t.Fatalf("member cap after reopen: %+v, want SpendCapped with 1 credit left and no second notice", d)
	}
	d = f.holdReq(key, "k2", "gpt-4o", limiter.Hold{Input: 101})
	if d.Outcome != limiter.SpendCapped || d.Scope != limiter.ScopeKeyModelTokensMonth || d.Remaining != 100 {
		t.Fatalf("key-model token cap after reopen: %+v, want SpendCapped with 100 tokens left", d)
	}
}

// TestConcurrentMoneyKeepsLedgerAndDiskInStep: 50 goroutines admit, settle
// (some twice) and top up one workspace at once; afterwards the balance
// equals the ledger's sum, nothing stays held, nothing was charged twice,
// the balance never went negative (estimates cover the costs) and a reopen
// reads the same balance from disk as memory had.
func TestConcurrentMoneyKeepsLedgerAndDiskInStep(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 1 << 40})
	f.topUp(100 * credit)
	const workers, each = 50, 20
	var settled, charged, topped atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				d := f.holdReq(f.tok, id, "", limiter.Hold{Credits: 300_000})
				if d.Outcome == limiter.NoCredits {
					continue
				}
				if d.Outcome != limiter.Allowed {
					t.Errorf("%s: %+v", id, d)
					return
				}
				cost := int64(100_000 + 10_000*(i%20))
				for range 1 + i%2 { // every other request is settled twice
					r, err := f.settle(f.tok, id, "", cost, store.Tokens{Input: 1})
					if err != nil {
						t.Error(err)
						return
					}
					if r.Settled {
						settled.Add(1)
						charged.Add(cost)
					}
					if r.Balance < 0 {
						t.Errorf("%s: balance %d below zero", id, r.Balance)
					}
				}
				if i%7 == 0 {
					f.topUp(credit)
					topped.Add(credit)
				}
			}
		})
	}
	wg.Wait()
	c, err := f.s.Credits(f.ctx, f.ws)
	must(t, err)
	if want := 100*credit + topped.Load() - charged.Load(); c.Balance != want || c.Held != 0 {
		t.Fatalf("credits %+v, want balance %d (charged %d in %d settlements) and nothing held", c, want, charged.Load(), settled.Load())
	}
	var sum int64
	q := store.TxQuery{Limit: 7}
	for {
		txs, next, err := f.s.Transactions(f.ctx, f.ws, q)
		must(t, err)
		for _, tx := range txs {
			sum += tx.Amount
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if sum != c.Balance {
		t.Fatalf("ledger sums to %d, balance %d", sum, c.Balance)
	}
	reqs, _, err := f.s.Requests(f.ctx, f.ws, store.RequestQuery{Limit: workers * each})
	must(t, err)
	if int64(len(reqs)) != settled.Load() {
		t.Fatalf("%d audit records for %d settlements", len(reqs), settled.Load())
	}
	must(t, f.s.Close())
	f.open()
	c2, err := f.s.Credits(f.ctx, f.ws)
	must(t, err)
	if c2.Balance != c.Balance {
		t.Fatalf("balance %d after reopen, %d before", c2.Balance, c.Balance)
	}
}

// TestConcurrentDuplicateSettleChargesOnce: 20 Settles of one held request
// at once charge it exactly once, and every other one reports Settled
// false after the first has written.
func TestConcurrentDuplicateSettleChargesOnce(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 100})
	f.topUp(10 * credit)
	want(t, f.holdReq(f.tok, "dup", "", limiter.Hold{Credits: 2 * credit}), limiter.Allowed, "hold")
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r, err := f.settle(f.tok, "dup", "", credit, store.Tokens{})
			if err != nil {
				t.Error(err)
			}
			if r.Settled {
				wins.Add(1)
			}
			if r.Balance != 9*credit {
				t.Errorf("Settle reported balance %d, want 9 credits", r.Balance)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d Settles charged, want exactly 1", wins.Load())
	}
	c, err := f.s.Credits(f.ctx, f.ws)
	must(t, err)
	if c.Balance != 9*credit || c.Held != 0 {
		t.Fatalf("credits %+v, want balance 9 credits and nothing held", c)
	}
}

// TestMoneyInvalidInputRefused: malformed money input is refused with
// ErrInvalid and a message naming the problem, and changes nothing.
func TestMoneyInvalidInputRefused(t *testing.T) {
	f := newFixture(t, store.Limits{})
	cases := []struct {
		name, want string
		err        error
	}{
		{"negative tpm", "member_tpm", f.s.SetLimits(f.ctx, f.ws, store.Limits{MemberTPM: -1})},
		{"token count", "token_count", f.s.SetLimits(f.ctx, f.ws, store.Limits{TokenCount: "both"})},
		{"negative cap", "key_monthly_credits", f.s.SetLimits(f.ctx, f.ws, store.Limits{KeyMonthlyCredits: -5})},
		{"anchor", "anchor 29", f.s.SetBilling(f.ctx, f.ws, store.Billing{Anchor: 29})},
		{"low balance", "low_balance", f.s.SetBilling(f.ctx, f.ws, store.Billing{LowBalance: -1})},
		{"model name", "model name", f.s.UpdateTokenLimits(f.ctx, f.ws, f.tok.ID, store.TokenLimits{ModelLimits: map[string]store.ModelLimit{"a b": {TPM: 1}}})},
		{"model limit", "negative limit", f.s.UpdateTokenLimits(f.ctx, f.ws, f.tok.ID, store.TokenLimits{ModelLimits: map[string]store.ModelLimit{"gpt": {TPM: -1}}})},
		{"top-up sign", "not positive", addCredits(f, store.TxTopUp, -3)},
		{"usage kind", "AddCredits takes", addCredits(f, store.TxUsage, 3)},
		{"negative cost", "negative cost", settleErr(f, -1)},
		{"voucher amount", "amount 0", f.s.CreateVoucher(f.ctx, &store.Voucher{Hash: token.HashOf([]byte("x")), ExpiresAt: start})},
		{"webhook url", "no url", f.s.CreateWebhook(f.ctx, &store.Webhook{WorkspaceID: f.ws})},
	}
	for _, c := range cases {
		if !errors.Is(c.err, embedded.ErrInvalid) || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInvalid naming %q", c.name, c.err, c.want)
		}
	}
	if c, err := f.s.Credits(f.ctx, f.ws); err != nil || c != (store.Credits{}) {
		t.Fatalf("credits after refusals: %+v %v", c, err)
	}
}

func addCredits(f *fixture, k store.TxKind, amount int64) error {
	_, err := f.s.AddCredits(f.ctx, f.ws, &store.Transaction{Kind: k, Amount: amount})
	return err
}

func settleErr(f *fixture, cost int64) error {
	_, err := f.settle(f.tok, "x", "", cost, store.Tokens{})
	return err
}

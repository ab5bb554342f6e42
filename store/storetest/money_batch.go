package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// batchScene is a workspace set up for the batch cases, the same way each
// time: member cap, per-model caps on a key, token limits, billing
// thresholds and 20 credits. names maps the ids that differ from one
// scene to the next (token and member ids) to labels, so that two scenes
// can be compared.
type batchScene struct {
	*menv
	mt, k *store.Token
	names *strings.Replacer
}

func (e *menv) batchScene() *batchScene {
	e.upstream("openai")
	e.upstream("mcp-github")
	e.setLimits(store.Limits{MemberRPM: 1000, MemberTPM: 100_000, WorkspaceTPM: 100_000, MemberMonthlyCredits: 50 * credit})
	e.setBilling(store.Billing{LowBalance: 15 * credit, AutoTopUpBelow: 12 * credit, AutoTopUpAmount: credit})
	e.topUp(e.ws, 20*credit)
	m := e.member(0)
	sc := &batchScene{menv: e, mt: e.tok(token.Member, m)}
	sc.k = e.tok(token.Key, m, func(t *store.Token) {
		t.ModelLimits = map[string]store.ModelLimit{"gpt-4o": {MonthlyCredits: 30 * credit, MonthlyTokens: 60_000}}
	})
	sc.names = strings.NewReplacer(sc.mt.ID, "<member token>", sc.k.ID, "<key>", m.ID, "<member>")
	return sc
}

// batchSettlements holds requests of sc and returns the settlements the
// batch cases settle, in order: held and unheld requests of the member
// token and the key, a repeat of a held and of an unheld request, an MCP
// tool call, and one without a request id. Along them the balance falls
// from 20 credits through LowBalance (at index 4) and AutoTopUpBelow (at
// index 5).
func (sc *batchScene) batchSettlements() []*store.Settlement {
	h := func(tk *store.Token, id, model string, credits int64) {
		expect(sc.t, sc.admitReq(sc.req(tk, "openai", model, id, limiter.Hold{Credits: credits, Input: 500, Output: 500})),
			limiter.Allowed, "hold "+id)
	}
	h(sc.mt, "b1", "gpt-4o", 2*credit)
	h(sc.k, "b2", "gpt-4o", 3*credit)
	h(sc.k, "b4", "gpt-4o", 2*credit)
	h(sc.mt, "b5", "", 3*credit)
	tool := toolRecord(sc.mt, "search", 0, true)
	tool.RequestID = "b6"
	recs := []store.RequestRecord{
		record(sc.mt, "b1", "gpt-4o", credit, store.Tokens{Input: 100, Output: 50}),              // 20 → 19
		record(sc.k, "b2", "gpt-4o", 2_500_000, store.Tokens{Input: 700, CachedRead: 300}),       // → 16.5
		record(sc.mt, "b3", "gpt-4o", credit, store.Tokens{Input: 10, Output: 10, Reasoning: 5}), // unheld → 15.5
		record(sc.mt, "b1", "gpt-4o", 5*credit, store.Tokens{Input: 1}),                          // repeat: nothing
		record(sc.k, "b4", "gpt-4o", 1_500_000, store.Tokens{Output: 900}),                       // → 14: LowBalance
		record(sc.mt, "b5", "", 2_500_000, store.Tokens{Input: 40}),                              // → 11.5: AutoTopUp
		tool, // MCP, free, an error
		record(sc.k, "", "gpt-4o", 500_000, store.Tokens{Input: 5}), // no id → 11
		record(sc.mt, "b3", "gpt-4o", credit, store.Tokens{}),       // repeat: nothing
	}
	sts := make([]*store.Settlement, len(recs))
	for i, r := range recs {
		sts[i] = &store.Settlement{Workspace: sc.ws, RequestID: r.RequestID, Cost: r.Cost, Record: r}
	}
	return sts
}

// state renders everything a settlement changes in sc's workspace with
// the scene's ids replaced by labels: credits, ledger, usage rows, the
// audit trail, and the decisions of probes of every cap and token limit.
func (sc *batchScene) state() string {
	sc.t.Helper()
	var b strings.Builder
	w := func(v ...any) {
		for _, x := range v {
			b.WriteString(sc.names.Replace(fmt.Sprint(x)))
			b.WriteByte('\n')
		}
	}
	// sorted writes lines in label order: rows of one hour are ordered by
	// ids, which differ from scene to scene.
	sorted := func(lines []string) {
		for i := range lines {
			lines[i] = sc.names.Replace(lines[i])
		}
		slices.Sort(lines)
		w(strings.Join(lines, "\n"))
	}
	w(sc.credits(sc.ws))
	var lines []string
	for _, tx := range sc.ledger(sc.ws, store.TxQuery{}) {
		if tx.Kind != store.TxUsage {
			tx.ID = "<id>"
		}
		lines = append(lines, fmt.Sprint(tx))
	}
	sorted(lines)
	rows, err := sc.m.UsageRows(sc.ctx, sc.ws, Start.Add(-24*time.Hour), Start.Add(24*time.Hour))
	ok(sc.t, err, "UsageRows")
	lines = lines[:0]
	for _, r := range rows {
		lines = append(lines, fmt.Sprint(r))
	}
	sorted(lines)
	w(sc.requests(sc.ws, store.RequestQuery{}))
	for _, p := range []struct {
		tk    *store.Token
		model string
		h     limiter.Hold
	}{
		{sc.mt, "", limiter.Hold{Credits: 1000 * credit}},         // the member cap's room
		{sc.k, "gpt-4o", limiter.Hold{Credits: 1000 * credit}},    // the model credit cap's room
		{sc.k, "gpt-4o", limiter.Hold{Input: 59_000}},             // the model token cap's room
		{sc.mt, "", limiter.Hold{Input: 10_000_000}},              // the member's tokens this minute
		{sc.k, "gpt-4o", limiter.Hold{Input: 99_000, Output: 10}}, // the workspace's tokens this minute
	} {
		_, d := sc.hold(p.tk, p.model, p.h)
		w(d.Outcome, d.Scope, d.Limit, d.Remaining)
	}
	return b.String()
}

// testSettleBatchEqualsSequence: a batch leaves everything exactly as the
// same settlements one by one do (results, balance, ledger, roll-ups,
// audit trail, caps and token counters), and reports each alert on the
// settlement that crossed, so a store may settle in batches without
// changing what anyone sees.
func testSettleBatchEqualsSequence(t *testing.T, e *menv) {
	one, batch := e.batchScene(), e.in(e.workspace(store.Limits{})).batchScene()
	var want []store.SettleResult
	for _, st := range one.batchSettlements() {
		var r store.SettleResult
		ok(t, one.m.Settle(e.ctx, st, &r), "Settle "+st.RequestID)
		want = append(want, r)
	}
	sts := batch.batchSettlements()
	got := make([]store.SettleResult, len(sts))
	ok(t, batch.m.SettleBatch(e.ctx, sts, got), "SettleBatch")
	if !slices.Equal(got, want) {
		t.Fatalf("batch results\n %+v\nwant the sequence's\n %+v", got, want)
	}
	settled := []bool{true, true, true, false, true, true, true, true, false}
	for i, r := range got {
		alerts := store.CreditAlerts{LowBalance: i == 4, AutoTopUp: i == 5}
		if r.Settled != settled[i] || r.CreditAlerts != alerts {
			t.Fatalf("result %d: %+v, want settled %v with alerts %+v", i, r, settled[i], alerts)
		}
	}
	if got[len(got)-1].Balance != 11*credit {
		t.Fatalf("final balance %d, want 11 credits", got[len(got)-1].Balance)
	}
	if a, b := one.state(), batch.state(); a != b {
		t.Fatalf("state after the batch differs from the sequence's:\nsequence:\n%s\nbatch:\n%s", a, b)
	}
	batch.wantLedgerSum(batch.ws, "after the batch")
}

// testSettleBatchDuplicatesChargeOnce: a request repeated inside one batch,
// held or not, is charged once and recorded once; a repeat reports the
// balance at its place in the batch, and a retried batch charges nothing,
// so the caller may retry a whole batch after an unknown outcome.
func testSettleBatchDuplicatesChargeOnce(t *testing.T, e *menv) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 10*credit)
	held := e.mustHold(mt, "", limiter.Hold{Credits: 2 * credit})
	st := func(id string, cost int64) *store.Settlement {
		return &store.Settlement{Workspace: e.ws, RequestID: id, Cost: cost, Record: record(mt, id, "", cost, store.Tokens{})}
	}
	sts := []*store.Settlement{st(held, credit), st("free", credit), st(held, 3*credit), st("free", credit), st(held, credit)}
	rs := make([]store.SettleResult, len(sts))
	ok(t, e.m.SettleBatch(e.ctx, sts, rs), "SettleBatch")
	want := []store.SettleResult{{Settled: true, Balance: 9 * credit}, {Settled: true, Balance: 8 * credit},
		{Balance: 8 * credit}, {Balance: 8 * credit}, {Balance: 8 * credit}}
	if !slices.Equal(rs, want) {
		t.Fatalf("results %+v, want %+v", rs, want)
	}
	ok(t, e.m.SettleBatch(e.ctx, sts, rs), "the batch again")
	for i, r := range rs {
		if r.Settled || r.Balance != 8*credit {
			t.Fatalf("retried batch, result %d: %+v, want not settled at 8 credits", i, r)
		}
	}
	e.wantCredits(e.ws, 8*credit, 0, "after the batches")
	if recs := e.requests(e.ws, store.RequestQuery{}); len(recs) != 2 {
		t.Fatalf("%d audit records, want one per request (2)", len(recs))
	}
	e.wantLedgerSum(e.ws, "after the batches")
}

// testSettleBatchMixedWorkspaces: one batch may interleave workspaces; each
// result is its own workspace's, in order, and a batch naming a workspace
// that does not exist fails with ErrNotFound, so the Settler can drop it.
func testSettleBatchMixedWorkspaces(t *testing.T, e *menv) {
	a, b := e, e.in(e.workspace(store.Limits{MemberRPM: 100}))
	a.upstream("openai")
	b.upstream("openai")
	at, bt := a.tok(token.Member, a.member(0)), b.tok(token.Member, b.member(0))
	a.topUp(a.ws, 10*credit)
	b.topUp(b.ws, 5*credit)
	ah, bh := a.mustHold(at, "", limiter.Hold{Credits: credit}), b.mustHold(bt, "", limiter.Hold{Credits: credit})
	st := func(ws string, tk *store.Token, id string, cost int64) *store.Settlement {
		return &store.Settlement{Workspace: ws, RequestID: id, Cost: cost, Record: record(tk, id, "", cost, store.Tokens{})}
	}
	sts := []*store.Settlement{st(a.ws, at, ah, credit), st(b.ws, bt, bh, 2*credit), st(a.ws, at, "x", credit),
		st(b.ws, bt, "x", credit), st(a.ws, at, ah, credit)}
	rs := make([]store.SettleResult, len(sts))
	ok(t, e.m.SettleBatch(e.ctx, sts, rs), "SettleBatch")
	want := []store.SettleResult{{Settled: true, Balance: 9 * credit}, {Settled: true, Balance: 3 * credit},
		{Settled: true, Balance: 8 * credit}, {Settled: true, Balance: 2 * credit}, {Balance: 8 * credit}}
	if !slices.Equal(rs, want) {
		t.Fatalf("results %+v, want %+v", rs, want)
	}
	a.wantCredits(a.ws, 8*credit, 0, "A")
	b.wantCredits(b.ws, 2*credit, 0, "B")
	a.wantLedgerSum(a.ws, "A")
	b.wantLedgerSum(b.ws, "B")
	gone := st(token.NewID(), at, "y", credit)
	if err := e.m.SettleBatch(e.ctx, []*store.Settlement{gone}, rs); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("batch of a workspace that does not exist: %v, want ErrNotFound", err)
	}
	ok(t, e.m.SettleBatch(e.ctx, nil, nil), "empty batch")
}

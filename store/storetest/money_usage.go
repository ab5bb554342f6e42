package storetest

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// settleAt moves the clock to now and settles rec held for its cost in the
// env workspace, returning the record as the store should keep it.
func (e *menv) settleAt(now time.Time, tk *store.Token, rec store.RequestRecord) store.RequestRecord {
	e.t.Helper()
	e.clock.Set(now)
	r := e.req(tk, rec.Upstream, rec.Model, rec.RequestID, limiter.Hold{Credits: rec.Cost})
	expect(e.t, e.admitReq(r), limiter.Allowed, "hold "+rec.RequestID)
	if res := e.settleRec(e.ws, rec); !res.Settled {
		e.t.Fatalf("settle %s: %+v, want settled", rec.RequestID, res)
	}
	rec.At = now
	return rec
}

// toolRecord is the audit record of an MCP tools/call of tool by tk.
func toolRecord(tk *store.Token, tool string, cost int64, failed bool) store.RequestRecord {
	return store.RequestRecord{RequestID: token.NewID(), TokenID: tk.ID, MemberID: tk.MemberID, Kind: tk.Kind.String(),
		Method: "POST", Route: "/mcp-github/mcp", Upstream: "mcp-github", Tool: tool, ToolCall: true, Status: 200,
		Error: failed, Cost: cost, Latency: 40 * time.Millisecond}
}

// llm is the record of an LLM request by tk; status >= 400 is an error.
func llm(tk *store.Token, model string, cost int64, status int, tokens store.Tokens) store.RequestRecord {
	r := record(tk, token.NewID(), model, cost, tokens)
	r.Status, r.Error = status, status >= 400
	return r
}

// compareRows orders usage rows as UsageRows must: hour, token, model, tool.
func compareRows(a, b store.UsageRow) int {
	return cmp.Or(a.Hour.Compare(b.Hour), strings.Compare(a.TokenID, b.TokenID),
		strings.Compare(a.Model, b.Model), strings.Compare(a.Tool, b.Tool))
}

// wantRows fails unless UsageRows of [from, to) are exactly rows, in order.
func (e *menv) wantRows(from, to time.Time, rows []store.UsageRow, what string) {
	e.t.Helper()
	got, err := e.m.UsageRows(e.ctx, e.ws, from, to)
	ok(e.t, err, "UsageRows")
	rows = slices.Clone(rows)
	slices.SortFunc(rows, compareRows)
	if len(got) != len(rows) {
		e.t.Fatalf("%s: %d rows %+v, want %d %+v", what, len(got), got, len(rows), rows)
	}
	for i := range got {
		g, w := got[i], rows[i]
		g.Hour, w.Hour = g.Hour.UTC(), w.Hour.UTC()
		if g != w {
			e.t.Fatalf("%s: row %d is %+v, want %+v", what, i, got[i], rows[i])
		}
	}
}

// testUsageRows: settlements roll up per hour, token, member, kind,
// upstream, model and tool, with requests, tool calls, errors, tokens by
// type and credits summed; the ledger gets one usage row per hour and
// member or key.
func testUsageRows(t *testing.T, e *menv) {
	e.upstream("openai")
	e.upstream("mcp-github")
	e.setLimits(store.Limits{})
	m := e.member(0)
	mt, k := e.tok(token.Member, m), e.tok(token.Key, m)
	e.clock.Set(at(-30 * time.Minute))
	e.topUp(e.ws, 100*credit)
	h12, h13 := Start, Start.Add(time.Hour)
	e.settleAt(at(10*time.Minute), mt, llm(mt, "gpt-4o", credit, 200, store.Tokens{Input: 100, Output: 50, CachedRead: 10, CachedWrite: 5, Reasoning: 20}))
	e.settleAt(at(20*time.Minute), mt, llm(mt, "gpt-4o", 2*credit, 500, store.Tokens{Input: 200, Output: 10}))
	e.settleAt(at(30*time.Minute), mt, llm(mt, "claude", 500_000, 200, store.Tokens{Input: 1}))
	e.settleAt(at(40*time.Minute), k, llm(k, "gpt-4o", 3*credit, 200, store.Tokens{Input: 7}))
	e.settleAt(at(50*time.Minute), k, toolRecord(k, "search", 100_000, false))
	e.settleAt(at(55*time.Minute), k, toolRecord(k, "search", 100_000, true))
	e.settleAt(at(65*time.Minute), mt, llm(mt, "gpt-4o", credit, 200, store.Tokens{Input: 1}))
	row := func(hour time.Time, tk *store.Token, up, model, tool string) store.UsageRow {
		return store.UsageRow{Hour: hour, TokenID: tk.ID, MemberID: m.ID, Kind: tk.Kind.String(), Upstream: up, Model: model, Tool: tool}
	}
	r1 := row(h12, mt, "openai", "gpt-4o", "")
	r1.Requests, r1.Errors, r1.Credits = 2, 1, 3*credit
	r1.Tokens = store.Tokens{Input: 300, Output: 60, CachedRead: 10, CachedWrite: 5, Reasoning: 20}
	r2 := row(h12, mt, "openai", "claude", "")
	r2.Requests, r2.Credits, r2.Tokens = 1, 500_000, store.Tokens{Input: 1}
	r3 := row(h12, k, "openai", "gpt-4o", "")
	r3.Requests, r3.Credits, r3.Tokens = 1, 3*credit, store.Tokens{Input: 7}
	r4 := row(h12, k, "mcp-github", "", "search")
	r4.Requests, r4.ToolCalls, r4.Errors, r4.Credits = 2, 2, 1, 200_000
	r5 := row(h13, mt, "openai", "gpt-4o", "")
	r5.Requests, r5.Credits, r5.Tokens = 1, credit, store.Tokens{Input: 1}
	e.wantRows(h12, h13, []store.UsageRow{r1, r2, r3, r4}, "hour 12")
	e.wantRows(h12, h13.Add(time.Hour), []store.UsageRow{r1, r2, r3, r4, r5}, "hours 12 and 13")
	e.wantRows(h13, h13.Add(time.Hour), []store.UsageRow{r5}, "hour 13")
	e.wantRows(h12.Add(-time.Hour), h12, nil, "hour 11")

	byID := map[string]store.Transaction{}
	txs := e.ledger(e.ws, store.TxQuery{})
	for i, tx := range txs {
		if i > 0 && tx.At.After(txs[i-1].At) {
			t.Fatalf("ledger not newest first: %+v", txs)
		}
		if tx.Kind == store.TxUsage {
			byID[tx.ID] = tx
		}
	}
	for _, w := range []struct {
		hour   time.Time
		mk, id string
		amount int64
	}{{h12, "m", m.ID, -3_500_000}, {h12, "k", k.ID, -3_200_000}, {h13, "m", m.ID, -credit}} {
		tx, found := byID[usageID(w.hour, w.mk, w.id)]
		if !found || tx.Amount != w.amount || !tx.At.Equal(w.hour) ||
			(w.mk == "m" && tx.Member != w.id) || (w.mk == "k" && tx.Key != w.id) {
			t.Fatalf("usage row %s of %v: %+v (found %v), want amount %d", w.id, w.hour, tx, found, w.amount)
		}
	}
	if len(byID) != 3 {
		t.Fatalf("ledger usage rows %+v, want 3", byID)
	}
	e.wantLedgerSum(e.ws, "after the usage")
}

// sameRecords fails unless got equals want record by record.
func sameRecords(t *testing.T, got, want []store.RequestRecord, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		g.At, w.At = g.At.UTC(), w.At.UTC()
		if g != w {
			t.Fatalf("%s: record %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// testRequestsPaged: the audit trail reads newest first, every field as
// settled with At from the store's clock, in pages, filtered by member,
// token and time.
func testRequestsPaged(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{})
	e.topUp(e.ws, 100*credit)
	m, m2 := e.member(0), e.member(0)
	mt, mt2, k := e.tok(token.Member, m), e.tok(token.Member, m2), e.tok(token.Key, m)
	var recs []store.RequestRecord // newest first
	for i, tk := range []*store.Token{mt, k, mt2, mt, k} {
		rec := llm(tk, "gpt-4o", int64(i+1)*100_000, 200, store.Tokens{Input: int64(i)})
		recs = slices.Insert(recs, 0, e.settleAt(at(time.Duration(i)*time.Minute), tk, rec))
	}
	page, next, err := e.m.Requests(e.ctx, e.ws, store.RequestQuery{Limit: 2})
	ok(t, err, "first page")
	if len(page) != 2 || next == "" {
		t.Fatalf("first page of 2: %d records, cursor %q", len(page), next)
	}
	sameRecords(t, page, recs[:2], "first page")
	sameRecords(t, e.requests(e.ws, store.RequestQuery{Limit: 2}), recs, "pages of 2")
	sameRecords(t, e.requests(e.ws, store.RequestQuery{}), recs, "default limit")
	sameRecords(t, e.requests(e.ws, store.RequestQuery{MemberID: m2.ID}), recs[2:3], "member m2")
	sameRecords(t, e.requests(e.ws, store.RequestQuery{TokenID: k.ID, Limit: 1}), []store.RequestRecord{recs[0], recs[3]}, "key")
	sameRecords(t, e.requests(e.ws, store.RequestQuery{MemberID: m.ID, TokenID: mt.ID}), []store.RequestRecord{recs[1], recs[4]}, "m's member token")
	sameRecords(t, e.requests(e.ws, store.RequestQuery{Since: at(time.Minute), Until: at(3 * time.Minute)}), recs[2:4], "[1m, 3m)")
}

// testRequestsRetention: audit records older than the retention (30 days by
// default) are never returned, while the roll-ups outlive them.
func testRequestsRetention(t *testing.T, e *menv) {
	e.upstream("openai")
	e.topUp(e.ws, 100*credit)
	mt := e.tok(token.Member, e.member(0))
	first := e.settleAt(Start, mt, llm(mt, "gpt-4o", credit, 200, store.Tokens{Input: 1}))
	second := e.settleAt(at(time.Hour), mt, llm(mt, "gpt-4o", credit, 200, store.Tokens{Input: 2}))
	e.clock.Set(at(retain - time.Minute))
	sameRecords(t, e.requests(e.ws, store.RequestQuery{}), []store.RequestRecord{second, first}, "a minute before the first expires")
	e.clock.Set(at(retain + 30*time.Minute))
	sameRecords(t, e.requests(e.ws, store.RequestQuery{}), []store.RequestRecord{second}, "first past retention")
	e.clock.Set(at(retain + 90*time.Minute))
	sameRecords(t, e.requests(e.ws, store.RequestQuery{}), nil, "both past retention")
	rows, err := e.m.UsageRows(e.ctx, e.ws, Start, at(2*time.Hour))
	ok(t, err, "UsageRows")
	if len(rows) != 2 || rows[0].Requests != 1 || rows[1].Requests != 1 {
		t.Fatalf("usage rows after the retention %+v, want the two hours kept", rows)
	}
}

package admin

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// usageFixture is a workspace with an owner, a member, a reader and a key,
// and settled traffic of each caller on two days.
type usageFixture struct {
	ws                          string
	owner, member, reader       string // tokens
	ownerID, memberID, memberTk string
	keyID                       string
}

func (e *env) usageFixture() usageFixture {
	e.t.Helper()
	ow := e.owned("analytics")
	f := usageFixture{ws: ow.Workspace.ID, owner: ow.Token, ownerID: ow.Owner.ID}
	var m memberTokenResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+f.ws+"/members", map[string]any{"email": "ada@analytics.test", "role": "member"}, &m)
	f.member, f.memberID, f.memberTk = m.Token, m.Member.ID, m.TokenID
	_, f.reader = e.memberOf(f.ws, "rita@analytics.test", "reader")
	var k keyResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+f.ws+"/keys", map[string]any{"name": "ci-bot"}, &k)
	f.keyID = k.Key.ID
	toks := store.Tokens{Input: 100, Output: 50, CachedRead: 10, CachedWrite: 5, Reasoning: 7}
	e.settle(f.ws, store.RequestRecord{TokenID: ow.TokenID, MemberID: f.ownerID, Kind: "member", Upstream: "openai", Model: "gpt-4o", Tokens: toks, Cost: 2_000_000})
	e.settle(f.ws, store.RequestRecord{TokenID: f.memberTk, MemberID: f.memberID, Kind: "member", Upstream: "openai", Model: "gpt-4o-mini", Tokens: toks, Cost: 300_000})
	e.advance(26 * time.Hour)
	e.settle(f.ws, store.RequestRecord{TokenID: f.memberTk, MemberID: f.memberID, Kind: "member", Upstream: "github", Tool: "search", ToolCall: true, Cost: 10_000})
	e.settle(f.ws, store.RequestRecord{TokenID: f.memberTk, MemberID: f.memberID, Kind: "member", Upstream: "openai", Model: "gpt-4o-mini", Status: 500, Error: true})
	e.settle(f.ws, store.RequestRecord{TokenID: f.keyID, MemberID: "operator", Kind: "key", Upstream: "openai", Model: "gpt-4o", Tokens: toks, Cost: 1_000_000})
	return f
}

// TestUsageAnalyticsFromRollUps: the report groups the settled traffic by
// member, key, model and tool, buckets it by day, names groups for people
// and gives totals, for owners and readers alike, on both stores.
func TestUsageAnalyticsFromRollUps(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.usageFixture()
			base := "/v1/workspaces/" + f.ws + "/usage"
			var rep usageReport
			e.as(f.reader, http.StatusOK, "GET", base+"?by=member", nil, &rep)
			if rep.MemberID != "" || rep.Totals.Requests != 5 || rep.Totals.Cost != 3_310_000 || rep.Totals.CostCredits != "3.31" ||
				rep.Totals.ToolCalls != 1 || rep.Totals.Errors != 1 || rep.Totals.Tokens.Input != 300 || rep.Totals.Tokens.Reasoning != 21 {
				t.Fatalf("totals %+v", rep.Totals)
			}
			byGroup := map[string]usageRow{}
			for _, r := range rep.Rows {
				byGroup[r.Group] = r
			}
			if r := byGroup[f.memberID]; r.Label != "ada@analytics.test" || r.Requests != 3 || r.Cost != 310_000 || r.LastActive == nil {
				t.Fatalf("member row %+v", r)
			}
			if r := byGroup[""]; r.Label != "(workspace keys)" || r.Requests != 1 || r.Cost != 1_000_000 {
				t.Fatalf("key traffic under by=member: %+v", r)
			}
			e.as(f.owner, http.StatusOK, "GET", base+"?by=key", nil, &rep)
			if len(rep.Rows) != 2 || rep.Rows[0].Group != "" || rep.Rows[1].Group != f.keyID || rep.Rows[1].Label != "ci-bot" {
				t.Fatalf("by key %+v", rep.Rows)
			}
			e.as(f.owner, http.StatusOK, "GET", base+"?by=tool&bucket=day", nil, &rep)
			if rep.Bucket != "day" || len(rep.Rows) != 3 || rep.Rows[0].Bucket == nil || rep.Rows[2].Group != "search" || rep.Rows[2].ToolCalls != 1 {
				t.Fatalf("by tool per day %+v", rep.Rows)
			}
			e.as(f.owner, http.StatusOK, "GET", base+"?by=model&since="+testNow.Add(time.Hour).Format(time.RFC3339), nil, &rep)
			if rep.Totals.Requests != 3 || !rep.Since.Equal(testNow.Add(time.Hour).Truncate(time.Hour)) {
				t.Fatalf("since excludes the first day: %+v", rep)
			}
			e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", base+"?by=colour", nil, "by: want one of")
		})
	}
}

// TestMembersSeeOnlyTheirOwnUsage: a member's report of the workspace and
// its usage/me count only its own traffic; the operator has no "me".
func TestMembersSeeOnlyTheirOwnUsage(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.usageFixture()
			base := "/v1/workspaces/" + f.ws + "/usage"
			var rep usageReport
			e.as(f.member, http.StatusOK, "GET", base+"?by=member", nil, &rep)
			if rep.MemberID != f.memberID || len(rep.Rows) != 1 || rep.Rows[0].Group != f.memberID || rep.Totals.Requests != 3 || len(rep.Counts) != 0 {
				t.Fatalf("member's view of the workspace %+v", rep)
			}
			var me usageReport
			e.as(f.member, http.StatusOK, "GET", base+"/me?by=model", nil, &me)
			if me.MemberID != f.memberID || me.Totals.Requests != 3 || me.Totals.Cost != rep.Totals.Cost || len(me.Rows) != 2 {
				t.Fatalf("usage/me %+v", me)
			}
			e.as(f.owner, http.StatusOK, "GET", base+"/me", nil, &me)
			if me.Totals.Requests != 1 || me.Totals.Cost != 2_000_000 {
				t.Fatalf("the owner's own usage %+v", me.Totals)
			}
			e.as(f.member, http.StatusBadRequest, "GET", base+"/me?by=member", nil, nil)
			e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "GET", base+"/me", nil, "operator has none")
		})
	}
}

// TestUsageCSVMatchesJSON: the CSV export parses with encoding/csv, has a
// header row, and carries the same rows as the JSON report.
func TestUsageCSVMatchesJSON(t *testing.T) {
	e := newEnv(t)
	f := e.usageFixture()
	e.must(http.StatusOK, "PATCH", "/v1/workspaces/"+f.ws+"/keys/"+f.keyID, map[string]any{"rpm": 5}, nil)
	for _, q := range []string{"?by=member&bucket=day", "?by=model", "?by=key&bucket=hour", ""} {
		var rep usageReport
		e.must(http.StatusOK, "GET", "/v1/workspaces/"+f.ws+"/usage"+q, nil, &rep)
		status, raw := e.do("GET", "/v1/workspaces/"+f.ws+"/usage"+q+sep(q)+"format=csv", nil)
		if status != http.StatusOK {
			t.Fatalf("csv %s: %d %s", q, status, raw)
		}
		recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil {
			t.Fatalf("csv %s does not parse: %v\n%s", q, err, raw)
		}
		if len(recs) != len(rep.Rows)+1 || len(recs[0]) != len(usageCSVHeader) || recs[0][0] != "bucket" {
			t.Fatalf("csv %s: %d records for %d rows: %q", q, len(recs), len(rep.Rows), recs)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for i, r := range rep.Rows {
			rec := recs[i+1]
			want := map[string]string{"bucket": optTimeText(r.Bucket), "group": r.Group, "label": r.Label,
				"requests": itoa(r.Requests), "tool_calls": itoa(r.ToolCalls), "errors": itoa(r.Errors),
				"input_tokens": itoa(r.Tokens.Input), "reasoning_tokens": itoa(r.Tokens.Reasoning),
				"cost": strconv.FormatInt(r.Cost, 10), "cost_credits": r.CostCredits, "last_active": optTimeText(r.LastActive)}
			for h, v := range want {
				if rec[col[h]] != v {
					t.Errorf("csv %s row %d %s = %q, JSON says %q", q, i, h, rec[col[h]], v)
				}
			}
		}
	}
}

func sep(q string) string {
	if q == "" {
		return "?"
	}
	return "&"
}

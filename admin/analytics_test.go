package admin

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// rollUps are hourly roll-ups of two members, a key and an MCP tool over
// two days, for the aggregation tests.
func rollUps() []store.UsageRow {
	h := func(day, hour int) time.Time { return time.Date(2030, 1, day, hour, 0, 0, 0, time.UTC) }
	tok := func(in, out int64) store.Tokens {
		return store.Tokens{Input: in, Output: out, CachedRead: 1, Reasoning: 2}
	}
	return []store.UsageRow{
		{Hour: h(1, 9), TokenID: "tA", MemberID: "mA", Kind: "member", Upstream: "openai", Model: "gpt-4o", Requests: 3, Errors: 1, Tokens: tok(30, 10), Credits: 300},
		{Hour: h(1, 10), TokenID: "tB", MemberID: "mB", Kind: "member", Upstream: "openai", Model: "gpt-4o-mini", Requests: 1, Tokens: tok(5, 5), Credits: 10},
		{Hour: h(2, 8), TokenID: "kK", MemberID: "mA", Kind: "key", Upstream: "anthropic", Model: "claude", Requests: 2, Tokens: tok(20, 20), Credits: 500},
		{Hour: h(2, 9), TokenID: "tA", MemberID: "mA", Kind: "member", Upstream: "github", Tool: "search", Requests: 4, ToolCalls: 4, Credits: 40},
		{Hour: h(2, 11), TokenID: "tA", MemberID: "mA", Kind: "member", Upstream: "openai", Model: "gpt-4o", Requests: 0, Errors: 0, Credits: 0},
	}
}

// TestAggregateRowsSumToTotals: for every dimension and bucket the rows add
// up to the totals, so no traffic is lost or counted twice in a report.
func TestAggregateRowsSumToTotals(t *testing.T) {
	for _, by := range []string{"", "member", "key", "model", "upstream", "tool"} {
		for _, bucket := range []string{bucketNone, bucketHour, bucketDay} {
			rows, total := aggregate(rollUps(), usageQuery{By: by, Bucket: bucket}, nil)
			var sum usageStats
			for _, r := range rows {
				sum.Requests += r.Requests
				sum.ToolCalls += r.ToolCalls
				sum.Errors += r.Errors
				sum.Tokens.Input += r.Tokens.Input
				sum.Tokens.Output += r.Tokens.Output
				sum.Tokens.Reasoning += r.Tokens.Reasoning
				sum.Cost += r.Cost
			}
			if sum.Requests != 10 || total.Requests != 10 || sum.Cost != 850 || total.Cost != 850 || sum.ToolCalls != 4 ||
				sum.Errors != 1 || sum.Tokens.Input != total.Tokens.Input || sum.Tokens.Reasoning != total.Tokens.Reasoning {
				t.Errorf("by=%q bucket=%s: rows sum %+v, totals %+v", by, bucket, sum, total)
			}
			if total.CostCredits != "0.00085" {
				t.Errorf("totals cost_credits %q", total.CostCredits)
			}
		}
	}
}

// TestAggregateGroupsAndOrders: grouping follows the dimension (member
// traffic only under its member, key traffic only under its key), rows come
// by bucket then highest cost, and last_active is the last hour with a request.
func TestAggregateGroupsAndOrders(t *testing.T) {
	rows, _ := aggregate(rollUps(), usageQuery{By: "member", Bucket: bucketNone}, nil)
	got := []string{}
	for _, r := range rows {
		got = append(got, r.Group)
	}
	if strings.Join(got, ",") != ",mA,mB" { // the key's 500 µc first, under ""
		t.Fatalf("by member: groups %q", got)
	}
	if la := rows[1].LastActive; la == nil || !la.Equal(time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("mA last_active %v, want the 09:00 hour of day 2 (the 11:00 roll-up had no request)", la)
	}
	days, _ := aggregate(rollUps(), usageQuery{By: "", Bucket: bucketDay}, nil)
	if len(days) != 2 || days[0].Requests != 4 || days[1].Requests != 6 || !days[0].Bucket.Before(*days[1].Bucket) {
		t.Fatalf("by day: %+v", days)
	}
	own, total := aggregate(rollUps(), usageQuery{By: "model"}, func(u *store.UsageRow) bool { return u.Kind == "member" && u.MemberID == "mA" })
	if total.Requests != 7 || total.Cost != 340 || len(own) != 2 || own[0].Group != "gpt-4o" || own[1].Group != "" {
		t.Fatalf("member mA's own usage by model: %+v totals %+v", own, total)
	}
}

// TestParseUsageQuery: ranges accept ages and RFC 3339, widen to whole
// hours or days, and every refusal names its parameter.
func TestParseUsageQuery(t *testing.T) {
	now := time.Date(2030, 1, 10, 15, 30, 0, 0, time.UTC)
	q, err := parseUsageQuery(url.Values{"since": {"2d"}, "by": {"model"}, "bucket": {"day"}, "format": {"csv"}}, now, usageDimensions)
	if err != nil || !q.From.Equal(time.Date(2030, 1, 8, 0, 0, 0, 0, time.UTC)) || !q.To.Equal(time.Date(2030, 1, 11, 0, 0, 0, 0, time.UTC)) || !q.CSV || q.By != "model" {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = parseUsageQuery(url.Values{}, now, usageDimensions)
	if err != nil || !q.From.Equal(time.Date(2030, 1, 3, 15, 0, 0, 0, time.UTC)) || !q.To.Equal(time.Date(2030, 1, 10, 16, 0, 0, 0, time.UTC)) || q.Bucket != bucketNone {
		t.Fatalf("defaults: %+v %v", q, err)
	}
	q, err = parseUsageQuery(url.Values{"since": {"2030-01-10T10:15:00Z"}, "until": {"90m"}}, now, usageDimensions)
	if err != nil || !q.From.Equal(time.Date(2030, 1, 10, 10, 0, 0, 0, time.UTC)) || !q.To.Equal(time.Date(2030, 1, 10, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("RFC 3339 and age: %+v %v", q, err)
	}
	for _, c := range []struct {
		q    url.Values
		dims map[string]bool
		want string
	}{
		{url.Values{"by": {"colour"}}, usageDimensions, "by: want one of member, key"},
		{url.Values{"by": {"member"}}, ownDimensions, "by: want one of model, upstream, tool"},
		{url.Values{"bucket": {"week"}}, usageDimensions, "bucket: want hour, day or none"},
		{url.Values{"format": {"xml"}}, usageDimensions, "format: want json or csv"},
		{url.Values{"since": {"yesterday"}}, usageDimensions, "since: want an RFC 3339 time"},
		{url.Values{"since": {"0d"}}, usageDimensions, "since: want"},
		{url.Values{"until": {"-5h"}}, usageDimensions, "until: want"},
		{url.Values{"since": {"1h"}, "until": {"2h"}}, usageDimensions, "since: "},
		{url.Values{"since": {"2020-01-01T00:00:00Z"}}, usageDimensions, "at most 400 days"},
	} {
		if _, err := parseUsageQuery(c.q, now, c.dims); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.q, err, c.want)
		}
	}
}

// FuzzParseWhen: the time parser never panics and an accepted age is in the past.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"7d", "36h", "90m", "2030-01-02T15:04:05Z", "0d", "-1h", "999999999d", "1e9h"} {
		f.Add(s)
	}
	now := time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok := parseAge(s); ok {
			got, err := parseWhen("since", s, now)
			if err != nil || !got.Before(now) {
				t.Fatalf("age %q gave %v, %v", s, got, err)
			}
		}
	})
}

package admin

import (
	"cmp"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// usageStats are the figures of one report row or of the totals: sums over
// hourly roll-ups. Cost is in micro-credits.
type usageStats struct {
	Requests  int64        `json:"requests"`
	ToolCalls int64        `json:"tool_calls"`
	Errors    int64        `json:"errors"`
	Tokens    store.Tokens `json:"tokens"`
	Cost      int64        `json:"cost"`
	// CostCredits is Cost in credits, as a decimal for people.
	CostCredits string `json:"cost_credits"`
	// LastActive is the start of the last hour with a request (hourly
	// roll-ups are the finest grain kept); absent when there was none.
	LastActive *time.Time `json:"last_active,omitempty"`

	last time.Time // LastActive while summing; set once by finish, sparing an allocation per roll-up
}

// add sums one roll-up into s.
func (s *usageStats) add(r *store.UsageRow) {
	s.Requests += r.Requests
	s.ToolCalls += r.ToolCalls
	s.Errors += r.Errors
	s.Tokens.Input += r.Tokens.Input
	s.Tokens.Output += r.Tokens.Output
	s.Tokens.CachedRead += r.Tokens.CachedRead
	s.Tokens.CachedWrite += r.Tokens.CachedWrite
	s.Tokens.Reasoning += r.Tokens.Reasoning
	s.Cost += r.Credits
	if r.Requests > 0 && r.Hour.After(s.last) {
		s.last = r.Hour
	}
}

// finish fills the fields derived from the sums.
func (s *usageStats) finish() {
	s.CostCredits = store.FormatCredits(s.Cost)
	if !s.last.IsZero() {
		t := s.last.UTC()
		s.LastActive = &t
	}
}

// usageRow is one row of a report: one group (member, key, model, upstream
// or tool; "" without grouping) in one bucket (absent with bucket=none).
type usageRow struct {
	Bucket *time.Time `json:"bucket,omitempty"` // start of the hour or day, UTC
	Group  string     `json:"group"`            // the member id, key id, model, upstream or tool
	Label  string     `json:"label,omitempty"`  // for people: the member's e-mail, the key's name
	usageStats
}

// groupOf returns the value of dimension by for roll-up r. Member traffic
// has no key and key traffic no member: both fall in the "" group of the
// other dimension, so that the rows of every dimension sum to the totals.
func groupOf(r *store.UsageRow, by string) string {
	switch by {
	case "member", dimMemberTool:
		if r.Kind == "member" {
			return r.MemberID
		}
	case "key":
		if r.Kind == "key" {
			return r.TokenID
		}
	case "model":
		return r.Model
	case "upstream":
		return r.Upstream
	case "tool":
		return r.Tool
	}
	return ""
}

// dimMemberTool groups by member × tool: rows of one member (key traffic
// under member "") and one tool ("" without one), as group "<member>/<tool>".
const dimMemberTool = "member_tool"

// subgroupOf is the second part of a two-part dimension's group: the tool
// of member_tool, else "". Kept apart from groupOf so that summing a
// roll-up never joins strings; a row's Group is joined once, when made.
func subgroupOf(r *store.UsageRow, by string) string {
	if by == dimMemberTool {
		return r.Tool
	}
	return ""
}

// aggregate sums roll-ups into report rows by q.By and q.Bucket, plus the
// totals. keep, when not nil, selects the roll-ups counted at all (a
// member's own usage). Rows come by bucket, then by cost (highest first),
// then by requests, then by group, so that the order is stable.
func aggregate(rows []store.UsageRow, q usageQuery, keep func(*store.UsageRow) bool) ([]usageRow, usageStats) {
	type key struct {
		bucket     time.Time
		group, sub string
	}
	idx := map[key]int{}
	var out []usageRow
	var total usageStats
	for i := range rows {
		r := &rows[i]
		if keep != nil && !keep(r) {
			continue
		}
		total.add(r)
		k := key{bucketOf(r.Hour, q.Bucket), groupOf(r, q.By), subgroupOf(r, q.By)}
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			g := k.group
			if q.By == dimMemberTool {
				g += "/" + k.sub
			}
			out = append(out, usageRow{Group: g})
			if q.Bucket != bucketNone {
				b := k.bucket
				out[j].Bucket = &b
			}
		}
		out[j].add(r)
	}
	for i := range out {
		out[i].finish()
	}
	total.finish()
	slices.SortFunc(out, func(a, b usageRow) int {
		if a.Bucket != nil && !a.Bucket.Equal(*b.Bucket) {
			return a.Bucket.Compare(*b.Bucket)
		}
		return cmp.Or(cmp.Compare(b.Cost, a.Cost), cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Group, b.Group))
	})
	return out, total
}

// bucketOf returns the start of the bucket of hour h; the zero time for
// bucketNone.
func bucketOf(h time.Time, bucket string) time.Time {
	switch bucket {
	case bucketHour:
		return h.UTC().Truncate(time.Hour)
	case bucketDay:
		return h.UTC().Truncate(24 * time.Hour)
	}
	return time.Time{}
}

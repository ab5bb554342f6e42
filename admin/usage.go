package admin

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/store"
)

// usageReport answers GET …/usage and …/usage/me: usage analytics built
// from the store's hourly roll-ups, grouped by one dimension and bucketed by
// hour or day over [Since, Until).
type usageReport struct {
	WorkspaceID string `json:"workspace_id"`
	// MemberID is set when the report counts only one member's own usage
	// (usage/me, or a caller who may not see the whole workspace's).
	MemberID string     `json:"member_id,omitempty"`
	By       string     `json:"by,omitempty"`
	Bucket   string     `json:"bucket"`
	Since    time.Time  `json:"since"`
	Until    time.Time  `json:"until"`
	Rows     []usageRow `json:"rows"`
	Totals   usageStats `json:"totals"`
	// Counts are the answering replica's in-process request counts since it
	// started (the report's first form), kept for the clients of that form.
	Counts []meter.Count `json:"counts"`
}

// ownDimensions are what a member's own usage may be grouped by.
var ownDimensions = map[string]bool{"": true, "model": true, "upstream": true, "tool": true}

// usage reports the workspace's usage; a caller without
// view_workspace_usage (a member) sees only its own.
func (a *api) usage(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	self := ""
	if !allowed(c, PermViewWorkspaceUsage) {
		self = c.member.ID
	}
	return a.writeUsage(w, r, self, usageDimensions)
}

// myUsage reports the calling member's own usage.
func (a *api) myUsage(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if c.member == nil {
		return errUnprocessable("usage/me is a member's own usage and the operator has none; use GET /v1/workspaces/{ws}/usage")
	}
	return a.writeUsage(w, r, c.member.ID, ownDimensions)
}

// writeUsage writes the report of workspace {ws}, limited to member self's
// traffic when self is not "".
func (a *api) writeUsage(w http.ResponseWriter, r *http.Request, self string, dims map[string]bool) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	q, err := parseUsageQuery(r.URL.Query(), a.now(), dims)
	if err != nil {
		return err
	}
	rolled, err := a.store.UsageRows(r.Context(), ws, q.From, q.To)
	if err != nil {
		return err
	}
	var keep func(*store.UsageRow) bool
	if self != "" {
		keep = func(u *store.UsageRow) bool { return u.Kind == "member" && u.MemberID == self }
	}
	rows, totals := aggregate(rolled, q, keep)
	if err := a.labelRows(r.Context(), ws, q.By, rows); err != nil {
		return err
	}
	if q.CSV {
		csvHeaders(w, "usage-"+ws+".csv")
		w.WriteHeader(http.StatusOK)
		return writeUsageCSV(w, rows)
	}
	if rows == nil {
		rows = []usageRow{}
	}
	return writeJSON(w, http.StatusOK, usageReport{WorkspaceID: ws, MemberID: self, By: q.By, Bucket: q.Bucket,
		Since: q.From, Until: q.To, Rows: rows, Totals: totals, Counts: a.counts(ws, self)})
}

// labelRows names the groups for people: members by e-mail, keys by name,
// and the empty group by what it holds.
func (a *api) labelRows(ctx context.Context, ws, by string, rows []usageRow) error {
	names := map[string]string{}
	switch by {
	case "member", dimMemberTool:
		ms, err := a.store.ListMembers(ctx, ws)
		if err != nil {
			return err
		}
		for _, m := range ms {
			names[m.ID] = m.Email
		}
		names[""] = "(workspace keys)"
	case "key":
		ts, err := a.store.ListTokens(ctx, ws)
		if err != nil {
			return err
		}
		for _, t := range ts {
			names[t.ID] = t.Name
		}
		names[""] = "(member tokens)"
	case "model", "tool":
		names[""] = "(none)"
	}
	for i := range rows {
		rows[i].Label = names[rows[i].Group]
		if by == dimMemberTool {
			rows[i].Label = memberToolLabel(names, rows[i].Group)
		}
	}
	return nil
}

// memberToolLabel labels a member_tool group "<member>/<tool>" as
// "<e-mail> / <tool>".
func memberToolLabel(emails map[string]string, group string) string {
	member, tool, _ := strings.Cut(group, "/")
	if tool == "" {
		tool = "(none)"
	}
	return emails[member] + " / " + tool
}

// counts returns this replica's request counts of ws for a report of the
// whole workspace; none for a member's own report, as a count of a key
// carries its creator's member id and would leak the key's traffic.
func (a *api) counts(ws, self string) []meter.Count {
	out := []meter.Count{}
	if a.usageOf == nil || self != "" {
		return out
	}
	return append(out, a.usageOf(ws)...)
}

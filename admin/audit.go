package admin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// auditSystemWorkspace holds audit entries of operator actions that belong to
// no workspace, such as plan changes.
const auditSystemWorkspace = token.OperatorWorkspace

// record appends the audit entry of a successful mutating call. Its target
// defaults to the {id} or {name} path value; handlers refine it through
// caller.target. A failure to record is logged, not returned: the change has
// happened.
func (a *api) record(r *http.Request, c *caller, action string) {
	n := c.audit
	if n.workspace == "" {
		n.workspace = r.PathValue("ws")
	}
	if n.workspace == "" {
		n.workspace = auditSystemWorkspace
	}
	if n.targetID == "" {
		if n.targetID = r.PathValue("id"); n.targetID == "" {
			n.targetID = r.PathValue("name")
		}
	}
	a.appendAudit(r.Context(), r, c, n, action)
}

// appendAudit writes one entry. Details never carry secrets: handlers put
// ids, names, roles and numbers there, nothing else.
func (a *api) appendAudit(ctx context.Context, r *http.Request, c *caller, n auditNote, action string) {
	e := &store.AuditEntry{ID: token.NewID(), WorkspaceID: n.workspace, Time: a.now().UTC(),
		ActorKind: "operator", Action: action, TargetKind: n.targetKind, TargetID: n.targetID,
		Addr: r.RemoteAddr, Detail: n.detail}
	switch {
	case c.member != nil:
		e.ActorKind, e.ActorID, e.ActorEmail = "member", c.member.ID, c.member.Email
	case !c.operator:
		e.ActorKind = "anonymous" // a public call: the invitation code was the credential
	}
	if err := a.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		a.log.Error("admin: audit entry lost", "workspace", e.WorkspaceID, "action", action, "err", err)
	}
}

// auditQuery parses ?since&until&actor&limit&cursor.
func auditQuery(r *http.Request) (store.AuditQuery, error) {
	q := r.URL.Query()
	var out store.AuditQuery
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"since", &out.Since}, {"until", &out.Until}} {
		if s := q.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return out, errInvalid("%s: want an RFC 3339 time such as 2030-01-02T15:04:05Z, got %q", f.name, s)
			}
			*f.dst = t
		}
	}
	out.ActorID = q.Get("actor")
	p, err := parsePage(r)
	if err != nil {
		return out, err
	}
	out.Limit, out.After = p.Limit, p.After
	return out, nil
}

type auditView struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	ActorKind  string    `json:"actor_kind"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorEmail string    `json:"actor_email,omitempty"`
	Action     string    `json:"action"`
	TargetKind string    `json:"target_kind,omitempty"`
	TargetID   string    `json:"target_id,omitempty"`
	Addr       string    `json:"addr,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

func viewAudit(e *store.AuditEntry) auditView {
	return auditView{ID: e.ID, Time: e.Time, ActorKind: e.ActorKind, ActorID: e.ActorID,
		ActorEmail: e.ActorEmail, Action: e.Action, TargetKind: e.TargetKind, TargetID: e.TargetID,
		Addr: e.Addr, Detail: e.Detail}
}

func (a *api) listAudit(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	return a.listAuditOf(w, r, ws)
}

// listSystemAudit lists the operator's entries that belong to no workspace
// (plan changes, workspace deletions).
func (a *api) listSystemAudit(w http.ResponseWriter, r *http.Request) error {
	return a.listAuditOf(w, r, auditSystemWorkspace)
}

// exportSystemAudit exports them as JSON lines.
func (a *api) exportSystemAudit(w http.ResponseWriter, r *http.Request) error {
	return a.exportAuditOf(w, r, auditSystemWorkspace)
}

func (a *api) listAuditOf(w http.ResponseWriter, r *http.Request, ws string) error {
	q, err := auditQuery(r)
	if err != nil {
		return err
	}
	limit := q.Limit
	q.Limit = limit + 1 // one more tells whether there is a next page
	entries, err := a.store.ListAudit(r.Context(), ws, q)
	if err != nil {
		return err
	}
	out := page[auditView]{Items: make([]auditView, 0, min(limit, len(entries)))}
	for i := range entries[:min(limit, len(entries))] {
		out.Items = append(out.Items, viewAudit(&entries[i]))
	}
	if len(entries) > limit {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(entries[limit-1].ID))
	}
	return writeJSON(w, http.StatusOK, out)
}

// exportAudit streams every matching entry as JSON lines, page by page.
func (a *api) exportAudit(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	return a.exportAuditOf(w, r, ws)
}

func (a *api) exportAuditOf(w http.ResponseWriter, r *http.Request, ws string) error {
	q, err := auditQuery(r)
	if err != nil {
		return err
	}
	q.Limit = MaxPageSize
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	for started := false; ; started = true {
		entries, err := a.store.ListAudit(r.Context(), ws, q)
		if err != nil {
			if started {
				a.log.Error("admin: audit export cut short", "workspace", ws, "err", err)
				return nil // the status is sent; the client sees a short body
			}
			return err
		}
		for i := range entries {
			if err := enc.Encode(viewAudit(&entries[i])); err != nil {
				return nil // the client went away
			}
		}
		if len(entries) < q.Limit {
			return nil
		}
		q.After = entries[len(entries)-1].ID
	}
}

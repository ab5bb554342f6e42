package admin

import (
	"context"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// caller is who makes a request: the operator, or one active member acting
// with its member token inside that token's workspace. It also carries what
// the handler tells the audit log about the call.
type caller struct {
	operator bool
	member   *store.Member // nil for the operator
	token    *store.Token  // the member token presented; nil for the operator

	audit auditNote
}

// auditNote is what a handler adds to the automatic audit entry of its call.
type auditNote struct {
	workspace  string // default the {ws} path value
	targetKind string
	targetID   string // default the {id} or {name} path value
	detail     string
	skip       bool // the handler recorded its own entries
}

type callerKey struct{}

func withCaller(r *http.Request, c *caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

// callerOf returns the request's caller; public routes get an anonymous one
// (neither operator nor member) so that handlers may still annotate audit.
func callerOf(r *http.Request) *caller {
	if c, ok := r.Context().Value(callerKey{}).(*caller); ok {
		return c
	}
	return &caller{}
}

// workspace returns the workspace a member caller is confined to ("" for
// the operator).
func (c *caller) workspace() string {
	if c.member == nil {
		return ""
	}
	return c.member.WorkspaceID
}

// target sets the audit target of the call.
func (c *caller) target(kind, id string) { c.audit.targetKind, c.audit.targetID = kind, id }

// actorID is the member id of a member caller; "" for the operator.
func (c *caller) actorID() string {
	if c.member == nil {
		return ""
	}
	return c.member.ID
}

package limiter

import (
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// Request is what admission decides on. Its fields alias the caller's buffers
// and are valid only for the duration of the Admit call.
type Request struct {
	Workspace string     // workspace id carried by the token
	TokenHash token.Hash // SHA-256 of the presented token
	Upstream  string     // upstream name from the route
	// Public says the gateway's snapshot of public upstreams (those of the
	// operator's workspace, token.OperatorWorkspace) holds Upstream: when the
	// workspace has no upstream of that name, the public one exists for it.
	Public bool
	// Model is the top-level "model" of an LLM request body, or "". When the
	// token has a per-model limit for it, ScopeKeyModel applies.
	Model string
}

// Outcome is the verdict of one admission decision.
type Outcome uint8

// Outcomes. The store checks Unknown, Revoked, RoleForbidden,
// UpstreamUnknown, Forbidden, Limited in that order; the values are part of
// the Redis script's reply and never change.
const (
	Allowed         Outcome = iota
	Unknown                 // no such token: 401
	Revoked                 // token revoked or expired, or member removed: 401
	UpstreamUnknown         // no such upstream in the workspace: 404
	Forbidden               // upstream not allowed for this token: 403
	Limited                 // a rate limit is exhausted: 429
	Unavailable             // the store could not decide and the check fails closed: 503
	RoleForbidden           // the member's role may not use the gateway (reader): 403
)

var outcomeNames = [...]string{"allowed", "unknown_token", "revoked_token", "unknown_upstream", "forbidden", "rate_limited", "store_unavailable", "role_forbidden"}

// String returns the snake_case name of o, used as a metric label and an error code.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "invalid"
}

// Scope names which rate limit a decision reports on.
type Scope uint8

// Scopes of rate limits. ScopeNone means no limit applied.
const (
	ScopeNone      Scope = iota
	ScopeMember          // the member's token: requests per minute
	ScopeKey             // a workspace key: requests per minute
	ScopeWorkspace       // the whole workspace: requests per minute
	ScopeKeyModel        // one token and one model (Token.ModelRPM): requests per minute
)

var scopeNames = [...]string{"none", "member", "key", "workspace", "key_model"}

// String returns the name of s.
func (s Scope) String() string {
	if int(s) < len(scopeNames) {
		return scopeNames[s]
	}
	return "invalid"
}

// Code returns the error code that names the exhausted limit, such as
// "member_rate_limit".
func (s Scope) Code() string {
	switch s {
	case ScopeMember:
		return "member_rate_limit"
	case ScopeKey:
		return "key_rate_limit"
	case ScopeWorkspace:
		return "workspace_rate_limit"
	case ScopeKeyModel:
		return "key_model_rate_limit"
	}
	return "rate_limit"
}

// Decision is the result of one admission. A store fills it in place so the
// hot path allocates nothing for it.
//
// When Outcome is Allowed, Scope/Limit/Remaining/Reset describe the tightest
// limit that applied (Scope is ScopeNone when none did). When Outcome is
// Limited they describe the exhausted limit, and RetryAfter says when a
// request would be admitted again; when several limits are exhausted the one
// with the longest RetryAfter is reported.
type Decision struct {
	Outcome    Outcome
	Scope      Scope
	Limit      int64         // requests per Window
	Remaining  int64         // requests left in the window after this one
	Reset      time.Duration // until Remaining grows again
	RetryAfter time.Duration // until a request could be admitted; 0 when allowed

	TokenKind   token.Kind
	TokenID     string
	MemberID    string // the member; for a workspace key, its creator
	UpstreamRev int64  // the workspace's upstream revision; changes when any upstream changes
	// Public says the upstream is the operator's public one (Request.Public
	// and no upstream of that name in the workspace): the gateway loads its
	// route from token.OperatorWorkspace. UpstreamRev is still the workspace's.
	Public   bool
	Degraded bool // decided locally because the store failed and the check fails open
}

// Clear resets d for reuse.
func (d *Decision) Clear() { *d = Decision{} }

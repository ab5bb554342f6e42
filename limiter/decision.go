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

	// RequestID names the hold this admission reserves (see Hold). The
	// gateway makes it unique across replicas; "" reserves nothing even
	// when Hold is not zero.
	RequestID string
	// Hold is what admission reserves for the request: an estimate of its
	// cost and tokens, checked against every token limit, spend cap and the
	// workspace's balance, and held until Settle replaces it by the actual
	// figures. The zero Hold reserves nothing, but the balance check still
	// applies (a workspace whose balance minus holds is negative gets
	// NoCredits even for a free request).
	Hold Hold
}

// Hold is an estimate reserved at admission.
type Hold struct {
	Credits int64 // micro-credits (1 credit = 1_000_000)
	Input   int64 // input tokens, all kinds (uncached, cache read, cache write)
	Output  int64 // output tokens, reasoning included
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
	NoCredits               // the workspace's balance minus holds cannot cover Hold.Credits: 402 insufficient_credits
	SpendCapped             // a monthly cap (credits or tokens) would be exceeded until the next period: 429
)

var outcomeNames = [...]string{"allowed", "unknown_token", "revoked_token", "unknown_upstream", "forbidden", "rate_limited", "store_unavailable", "role_forbidden", "insufficient_credits", "spend_cap"}

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

	// Token limits (Outcome Limited): tokens per minute, counted as the
	// workspace's Limits.TokenCount says (input, output or total).
	ScopeMemberTokens    // the member: tokens per minute
	ScopeKeyTokens       // a workspace key: tokens per minute
	ScopeWorkspaceTokens // the whole workspace: tokens per minute
	ScopeKeyModelTokens  // one key and one model (ModelLimit.TPM): tokens per minute

	// Monthly caps (Outcome SpendCapped), per billing period.
	ScopeMemberSpend         // the member's credits this period
	ScopeKeySpend            // a workspace key's credits this period
	ScopeKeyModelSpend       // one key and one model: credits this period (ModelLimit.MonthlyCredits)
	ScopeKeyModelTokensMonth // one key and one model: tokens this period (ModelLimit.MonthlyTokens)

	ScopeBalance // the workspace's credit balance (Outcome NoCredits)
)

var scopeNames = [...]string{"none", "member", "key", "workspace", "key_model",
	"member_tokens", "key_tokens", "workspace_tokens", "key_model_tokens",
	"member_spend", "key_spend", "key_model_spend", "key_model_tokens_month", "balance"}

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
	case ScopeMemberTokens:
		return "member_token_limit"
	case ScopeKeyTokens:
		return "key_token_limit"
	case ScopeWorkspaceTokens:
		return "workspace_token_limit"
	case ScopeKeyModelTokens:
		return "key_model_token_limit"
	case ScopeMemberSpend:
		return "member_spend_cap"
	case ScopeKeySpend:
		return "key_spend_cap"
	case ScopeKeyModelSpend:
		return "key_model_spend_cap"
	case ScopeKeyModelTokensMonth:
		return "key_model_token_cap"
	case ScopeBalance:
		return "insufficient_credits"
	}
	return "rate_limit"
}

// Decision is the result of one admission. A store fills it in place so the
// hot path allocates nothing for it.
//
// When Outcome is Allowed, Scope/Limit/Remaining/Reset describe the tightest
// request-per-minute limit that applied (Scope is ScopeNone when none did).
// When Outcome is Limited they describe the exhausted limit (a request or a
// token limit; Limit and Remaining are then in requests or tokens), and
// RetryAfter says when a request would be admitted again; when several
// limits are exhausted the one with the longest RetryAfter is reported.
// When Outcome is SpendCapped they describe the cap (Limit in micro-credits
// or tokens, Remaining what is left of it) and RetryAfter runs to the start
// of the next billing period. When Outcome is NoCredits, Scope is
// ScopeBalance, Limit is the balance minus holds in micro-credits and
// RetryAfter is 0.
//
// Checks run in a fixed order and the first failing group decides: request
// and token limits (Limited), then monthly caps (SpendCapped), then the
// balance (NoCredits). Nothing is counted or held unless the request is
// Allowed.
type Decision struct {
	Outcome    Outcome
	Scope      Scope
	Limit      int64         // requests per Window
	Remaining  int64         // requests left in the window after this one
	Reset      time.Duration // until Remaining grows again
	RetryAfter time.Duration // until a request could be admitted; 0 when allowed

	TokenKind token.Kind
	TokenID   string
	MemberID  string // the member; for a workspace key, its creator
	// Role is the member's role (store.RoleOwner …) for a member token, ""
	// for a workspace key; tool policies narrowed per role use it.
	Role        string
	UpstreamRev int64 // the workspace's upstream revision; changes when any upstream changes
	// Public says the upstream is the operator's public one (Request.Public
	// and no upstream of that name in the workspace): the gateway loads its
	// route from token.OperatorWorkspace. UpstreamRev is still the workspace's.
	Public   bool
	Degraded bool // decided locally because the store failed and the check fails open
	// Held is what the store reserved for the request (Request.Hold, when
	// Allowed and Request.RequestID is set); Settle releases it.
	Held Hold
	// Period is the billing period the caps were checked in, as the unix
	// second of its start (UTC), from the store's clock; 0 when no cap
	// applied.
	Period int64
	// CapNotice is set on the first SpendCapped decision of a scope and
	// period (once across replicas), so the gateway sends one cap-reached
	// alert.
	CapNotice bool
}

// Clear resets d for reuse.
func (d *Decision) Clear() { *d = Decision{} }

package store

import (
	"context"
	"time"
)

// Tools is the MCP side of the store: tool policies and the revocation feed
// that closes open streams. Store embeds it.
type Tools interface {
	// PutToolPolicy creates or replaces the policy of (p.WorkspaceID,
	// p.Upstream, p.Scope) and bumps the workspace's upstream revision in
	// the same atomic step, so every replica's route cache reloads it with
	// the next request. The store keeps its own copy, UpdatedAt as given.
	// ErrNotFound if the workspace does not exist; an error naming the
	// field for a nil policy, an empty upstream, or a scope that is not
	// PolicyAll, "role:<name>" or "key:<id>" with a non-empty name. The store
	// does not check that the upstream exists (a policy may be written
	// before its upstream, or for a public upstream) nor the globs (the
	// admin API validates them).
	PutToolPolicy(ctx context.Context, p *ToolPolicy) error
	// DeleteToolPolicy removes one policy and bumps the upstream revision;
	// ErrNotFound, with no bump, when absent.
	DeleteToolPolicy(ctx context.Context, workspace, upstream, scope string) error
	// ToolPolicies returns the workspace's policies, ordered by upstream then
	// scope; upstream "" returns every upstream's. ErrNotFound if the
	// workspace does not exist. DeleteWorkspace deletes its policies.
	ToolPolicies(ctx context.Context, workspace, upstream string) ([]ToolPolicy, error)

	// Revocations returns a feed of the tokens that stopped being usable,
	// each published after its write: a revoked token (every successful
	// RevokeToken, also of a token revoked before, so a repeat closes what
	// a lost message left open), every token of a member that PutMember
	// turned from active and not a reader into removed or a reader (the
	// only path that removes members; TransferOwnership leaves both members
	// usable), and a deleted workspace (every token). Other writes publish
	// nothing. Each replica subscribes once; a write made after Revocations
	// returned reaches it. Delivery is best effort and fast (Redis pub/sub,
	// or in process for the embedded store; see each backend for what is
	// lost), so the gateway also re-checks long streams. The channel closes
	// when ctx ends or the store closes.
	Revocations(ctx context.Context) (<-chan Revocation, error)
}

// Scopes of a tool policy. A policy for the whole workspace × upstream has
// Scope ""; a narrower one applies on top of it, to a role or to one key.
const (
	PolicyAll        = ""      // every member and key
	PolicyRolePrefix = "role:" // "role:<role>": members with that role
	PolicyKeyPrefix  = "key:"  // "key:<token id>": one workspace key
)

// ToolPolicy allows or denies MCP tools by name on one upstream of one
// workspace. Names match glob patterns ('*' any run of characters, '?' one
// character). Deny wins over allow; an empty Allow allows every tool not
// denied. A call is allowed only when the workspace's policy (Scope "") and
// every narrower policy that applies (the caller's role, the caller's key)
// allow it.
type ToolPolicy struct {
	WorkspaceID string    `json:"workspace_id"`
	Upstream    string    `json:"upstream"`
	Scope       string    `json:"scope"` // PolicyAll, "role:<role>" or "key:<token id>"
	Allow       []string  `json:"allow,omitempty"`
	Deny        []string  `json:"deny,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Revocation names what stopped being usable. TokenID "" with MemberID set
// means every token of that member; both "" means every token of the
// workspace.
type Revocation struct {
	Workspace string `json:"workspace"`
	TokenID   string `json:"token_id,omitempty"`
	MemberID  string `json:"member_id,omitempty"`
}

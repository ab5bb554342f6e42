package store

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/token"
)

// Errors shared by every backend. Callers test them with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
)

// Store is Tollgate's state. Implementations are safe for concurrent use.
//
// Admit must decide atomically and in one round trip: concurrent Admit calls
// on any number of replicas behave as if they ran one at a time, and a write
// made by any method (a revoke, a removal, a limit change) is seen by the very
// next Admit on every replica. Time for rate limits comes from the store's own
// clock (Redis TIME, or the embedded store's injected clock), never from the
// caller.
type Store interface {
	// Admit decides on r and fills d. It returns an error only when the store
	// could not decide (timeout, connection failure); every verdict, including
	// unknown tokens and exhausted limits, is a Decision.
	//
	// Checks run in this order and the first failure decides: token exists
	// (Unknown), token active and not expired and, for member tokens, the
	// member active (Revoked), for member tokens the member's role may use the
	// gateway, i.e. is not RoleReader (RoleForbidden), upstream exists in the workspace
	// or, when it does not and r.Public is set, as a public upstream
	// (UpstreamUnknown; a workspace's own upstream shadows a public one of
	// the same name, and d.Public says the public one was chosen), upstream
	// allowed for the token (Forbidden), every rate limit that applies
	// (Limited). Only an Allowed request is counted.
	//
	// Rate limits that apply: for a member token, the member's RPM override or
	// else the workspace's MemberRPM (ScopeMember, counted per member so that
	// rotation does not reset it); for a workspace key, the key's RPM or else
	// the workspace's KeyRPM (ScopeKey, counted per key); and the workspace's
	// RPM (ScopeWorkspace); and, when r.Model is set and the token's
	// ModelRPM has a limit for it, that limit counted per token and model
	// (ScopeKeyModel). A limit of 0 is off.
	//
	// After the rate limits, in the same atomic step (see Money and
	// limiter.Decision for the outcomes): token limits against r.Hold's
	// tokens counted as Limits.TokenCount says — the member's TPM (Member.TPM
	// or Limits.MemberTPM, ScopeMemberTokens), the key's (Token.TPM or
	// Limits.KeyTPM, ScopeKeyTokens), the workspace's (ScopeWorkspaceTokens),
	// the key's per-model TPM (ModelLimit.TPM, ScopeKeyModelTokens) — each
	// "tokens counted in the sliding minute + held tokens ≤ limit"
	// (Limited); then monthly caps in the current billing period
	// (PeriodStart with Billing.Anchor, from the store's clock): the member's
	// credits (Member.Monthly or Limits.MemberMonthlyCredits,
	// ScopeMemberSpend), the key's (Token.Monthly or Limits.KeyMonthlyCredits,
	// ScopeKeySpend), the key's per-model credits and tokens
	// (ModelLimit.MonthlyCredits, MonthlyTokens), each "spent + held +
	// r.Hold ≤ cap" (SpendCapped); then the balance, "balance − held ≥
	// r.Hold.Credits" (NoCredits). When allowed with a RequestID, r.Hold is
	// held (Money) and copied to d.Held.
	Admit(ctx context.Context, r *limiter.Request, d *limiter.Decision) error

	CreateWorkspace(ctx context.Context, w *Workspace) error // ErrExists if the id is taken
	GetWorkspace(ctx context.Context, id string) (*Workspace, error)
	ListWorkspaces(ctx context.Context) ([]Workspace, error) // ordered by id
	// SetLimits replaces the workspace's limits; admission sees them at once.
	SetLimits(ctx context.Context, workspace string, l Limits) error

	// PutMember creates or replaces a member. A member whose Status is not
	// MemberActive fails admission for its tokens at once.
	//
	// Replacing an existing member is checked against the stored record in
	// the same atomic step as the write, and refused with ErrConflict when it
	// would give a stored owner another role, make a non-owner the owner
	// (ownership moves only through TransferOwnership; creating a new member
	// with RoleOwner is allowed), or set MemberActive on a member whose stored
	// status is MemberRemoved (a removed member stays removed). A stale
	// read-modify-write that lost a race to a transfer or a removal therefore
	// fails instead of undoing it.
	PutMember(ctx context.Context, m *Member) error
	GetMember(ctx context.Context, workspace, id string) (*Member, error)
	ListMembers(ctx context.Context, workspace string) ([]Member, error) // ordered by id

	// CreateToken stores a new token record (hash only). ErrExists if the id
	// or hash is taken.
	CreateToken(ctx context.Context, t *Token) error
	GetToken(ctx context.Context, workspace, id string) (*Token, error)
	ListTokens(ctx context.Context, workspace string) ([]Token, error) // ordered by id
	// RevokeToken marks the token revoked; the very next Admit refuses it.
	// Revoking a revoked token is not an error.
	RevokeToken(ctx context.Context, workspace, id string) error

	// PutUpstream creates or replaces an upstream and bumps the workspace's
	// upstream revision.
	PutUpstream(ctx context.Context, u *Upstream) error
	// CreateUpstream stores u only if its workspace has no upstream of that
	// name, and then bumps the upstream revision like PutUpstream; the check
	// and the write are one atomic step. ErrExists if the name is taken,
	// ErrNotFound if the workspace does not exist.
	CreateUpstream(ctx context.Context, u *Upstream) error
	// UpdateUpstream replaces an existing upstream of u's workspace and bumps
	// the upstream revision like PutUpstream; the check and the write are one
	// atomic step, so it never creates: ErrNotFound if the workspace has no
	// upstream of that name (never made, deleted or moved away meanwhile) or
	// the workspace does not exist. A zero u.CreatedAt keeps the stored one.
	UpdateUpstream(ctx context.Context, u *Upstream) error
	// GetUpstream returns the upstream and the workspace's upstream revision
	// at the time of the read.
	GetUpstream(ctx context.Context, workspace, name string) (*Upstream, int64, error)
	ListUpstreams(ctx context.Context, workspace string) ([]Upstream, error) // ordered by name
	// DeleteUpstream removes it and bumps the upstream revision.
	DeleteUpstream(ctx context.Context, workspace, name string) error
	// UpstreamNames returns the names of the workspace's upstreams, in no
	// particular order, and the upstream revision read in the same atomic
	// step. A workspace that does not exist has no names and revision 0. The
	// gateway polls it for the public upstreams (PublicWorkspace).
	UpstreamNames(ctx context.Context, workspace string) ([]string, int64, error)

	Teams
	Money
	Tools

	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// Limits are a workspace's rate limits (requests and tokens per minute) and
// default monthly caps (micro-credits per billing period). 0 is off.
type Limits struct {
	MemberRPM    int64 `json:"member_rpm"`    // default per member token; new workspaces get limiter.DefaultMemberRPM
	KeyRPM       int64 `json:"key_rpm"`       // default per workspace key
	WorkspaceRPM int64 `json:"workspace_rpm"` // all traffic of the workspace together

	MemberTPM    int64 `json:"member_tpm,omitempty"`    // default tokens per minute per member (counted per member)
	KeyTPM       int64 `json:"key_tpm,omitempty"`       // default tokens per minute per workspace key
	WorkspaceTPM int64 `json:"workspace_tpm,omitempty"` // tokens per minute of the whole workspace
	// TokenCount says which tokens every token-per-minute limit of the
	// workspace counts: TokensTotal (""), TokensInput or TokensOutput.
	TokenCount string `json:"token_count,omitempty"`

	MemberMonthlyCredits int64 `json:"member_monthly_credits,omitempty"` // default cap per member per period, µc
	KeyMonthlyCredits    int64 `json:"key_monthly_credits,omitempty"`    // default cap per workspace key per period, µc
}

// Values of Limits.TokenCount.
const (
	TokensTotal  = ""       // input and output
	TokensInput  = "input"  // Tokens.InputTotal
	TokensOutput = "output" // Tokens.OutputTotal
)

// ModelLimit limits one model through one workspace key. 0 is off.
type ModelLimit struct {
	TPM            int64 `json:"tpm,omitempty"`             // tokens per minute (ScopeKeyModelTokens)
	MonthlyTokens  int64 `json:"monthly_tokens,omitempty"`  // tokens per period (ScopeKeyModelTokensMonth)
	MonthlyCredits int64 `json:"monthly_credits,omitempty"` // µc per period (ScopeKeyModelSpend)
}

// Workspace is the unit of isolation and billing.
type Workspace struct {
	ID        string    `json:"id"` // token.NewID
	Name      string    `json:"name"`
	Personal  bool      `json:"personal,omitempty"` // an account's personal workspace: not deletable while the account exists
	Plan      string    `json:"plan,omitempty"`     // a Plan name; empty is the default plan
	Limits    Limits    `json:"limits"`
	Billing   Billing   `json:"billing,omitzero"` // set with SetBilling
	CreatedAt time.Time `json:"created_at"`
}

// MemberStatus is a member's standing in a workspace.
type MemberStatus string

// Member statuses.
const (
	MemberActive  MemberStatus = "active"
	MemberRemoved MemberStatus = "removed"
)

// Member is one account's membership in one workspace.
type Member struct {
	ID          string       `json:"id"` // token.NewID
	WorkspaceID string       `json:"workspace_id"`
	Email       string       `json:"email"`
	Role        string       `json:"role"` // owner, admin, member, reader
	Status      MemberStatus `json:"status"`
	RPM         int64        `json:"rpm"`                       // override of Limits.MemberRPM; 0 uses the workspace's
	TPM         int64        `json:"tpm,omitempty"`             // override of Limits.MemberTPM
	Monthly     int64        `json:"monthly_credits,omitempty"` // override of Limits.MemberMonthlyCredits, µc
	AccountID   string       `json:"account_id,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	// LastActive is when the member's token was last admitted, to the minute
	// (Admit records it at most once a minute). Zero: never. Read-only for
	// callers: PutMember keeps the stored value.
	LastActive time.Time `json:"last_active,omitzero"`
}

// TokenStatus is a token's state.
type TokenStatus string

// Token statuses.
const (
	TokenActive  TokenStatus = "active"
	TokenRevoked TokenStatus = "revoked"
)

// Token is a stored credential: its hash, never the token itself.
type Token struct {
	ID          string      `json:"id"` // token.NewID
	WorkspaceID string      `json:"workspace_id"`
	Kind        token.Kind  `json:"kind"`
	Hash        token.Hash  `json:"hash"`
	Display     string      `json:"display"`   // token.Display of the secret
	MemberID    string      `json:"member_id"` // the member (member tokens) or the creator (keys)
	Name        string      `json:"name,omitempty"`
	Status      TokenStatus `json:"status"`
	RPM         int64       `json:"rpm,omitempty"` // keys: override of Limits.KeyRPM
	// ModelRPM maps a model name (ValidModelName) to requests per minute for
	// that model through this token (ScopeKeyModel); absent models have no
	// per-model limit. Set on workspace keys by the admin API.
	ModelRPM map[string]int64 `json:"model_rpm,omitempty"`
	// ModelLimits maps a model name to its token and money limits through
	// this token (workspace keys).
	ModelLimits map[string]ModelLimit `json:"model_limits,omitempty"`
	TPM         int64                 `json:"tpm,omitempty"`             // keys: override of Limits.KeyTPM
	Monthly     int64                 `json:"monthly_credits,omitempty"` // keys: override of Limits.KeyMonthlyCredits, µc
	Upstreams   []string              `json:"upstreams,omitempty"`       // allowed upstream names; empty allows all
	ExpiresAt   time.Time             `json:"expires_at,omitzero"`       // zero never expires
	CreatedAt   time.Time             `json:"created_at"`
	// LastUsed is when the token was last admitted, to the minute (Admit
	// records it at most once a minute). Zero: never.
	LastUsed time.Time `json:"last_used,omitzero"`
}

// Upstream kinds.
const (
	KindLLM = "llm"
	KindMCP = "mcp"
)

// Upstream is an LLM provider or MCP server a workspace reaches through the
// gateway. Credential is write-only: the admin API never returns it; these
// records are the storage form, and admin maps them to its own views.
type Upstream struct {
	WorkspaceID string    `json:"workspace_id"`
	Name        string    `json:"name"`                  // the first path segment of gateway routes
	BaseURL     string    `json:"base_url"`              // http or https URL; the rest of the path is appended
	Kind        string    `json:"kind"`                  // KindLLM or KindMCP
	AuthHeader  string    `json:"auth_header,omitempty"` // header that carries Credential; default Authorization
	AuthScheme  string    `json:"auth_scheme,omitempty"` // prefix before Credential, such as "Bearer"; default Bearer for Authorization
	Credential  string    `json:"credential"`            // never in API responses: admin has its own view types
	CreatedAt   time.Time `json:"created_at"`
}

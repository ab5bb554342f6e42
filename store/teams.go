package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// Roles of a member in a workspace (SPEC §2). Exactly one owner per workspace.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleReader = "reader" // may not use the gateway: Admit answers limiter.RoleForbidden
)

// ErrConflict reports that a record is not in the state a change expects,
// such as an invitation that is no longer pending.
var ErrConflict = errors.New("store: conflict")

// SeatError reports that a workspace's seats are taken: active members plus
// pending, unexpired invitations reached Limit.
type SeatError struct{ Limit, Used int }

func (e *SeatError) Error() string {
	return fmt.Sprintf("store: seat limit reached: %d of %d seats taken (members and pending invitations)", e.Used, e.Limit)
}

// KeyLimitError reports that a workspace's active, unexpired workspace keys
// reached Limit, so CreateKey refused a new one.
type KeyLimitError struct{ Limit, Active int }

func (e *KeyLimitError) Error() string {
	return fmt.Sprintf("store: key limit reached: %d of %d workspace keys active", e.Active, e.Limit)
}

// Account is a person, identified by email, with a personal workspace.
type Account struct {
	ID                  string    `json:"id"`    // token.NewID
	Email               string    `json:"email"` // lower-case; unique across the gateway
	PersonalWorkspaceID string    `json:"personal_workspace_id"`
	CreatedAt           time.Time `json:"created_at"`
}

// InvitationStatus is the state of an invitation. A pending invitation whose
// ExpiresAt has passed reads as InvitationExpired (see Invitation.State).
type InvitationStatus string

// Invitation states.
const (
	InvitationPending   InvitationStatus = "pending"
	InvitationAccepted  InvitationStatus = "accepted"
	InvitationDeclined  InvitationStatus = "declined"
	InvitationCancelled InvitationStatus = "cancelled"
	InvitationExpired   InvitationStatus = "expired"
)

// InvitationTTL is how long an invitation stays valid after it is sent or resent.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation asks a person, by email, to join a workspace with a role. Its
// code (token kind Invite) is stored only as CodeHash.
type Invitation struct {
	ID          string           `json:"id"` // token.NewID
	WorkspaceID string           `json:"workspace_id"`
	Email       string           `json:"email"` // lower-case
	Role        string           `json:"role"`  // admin, member or reader
	CodeHash    token.Hash       `json:"code_hash"`
	Status      InvitationStatus `json:"status"`
	InvitedBy   string           `json:"invited_by"`            // member id, or "operator"
	AcceptedBy  string           `json:"accepted_by,omitempty"` // the member id created by acceptance
	CreatedAt   time.Time        `json:"created_at"`
	ExpiresAt   time.Time        `json:"expires_at"`
	// Mailed is true when the current code was delivered only by e-mail
	// (never shown to the inviter), so holding it proves control of Email.
	Mailed bool `json:"mailed"`
}

// State returns the invitation's status at now: a pending invitation past
// ExpiresAt is expired.
func (i *Invitation) State(now time.Time) InvitationStatus {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// Plan is a named bundle of limits. Zero Seats or Keys is unlimited.
type Plan struct {
	Name   string `json:"name"`
	Seats  int    `json:"seats"`  // active members plus pending invitations
	Keys   int    `json:"keys"`   // active workspace keys
	Limits Limits `json:"limits"` // rate limits given to workspaces that take the plan
}

// AuditEntry is one admin action in a workspace. It never holds a secret.
type AuditEntry struct {
	ID          string    `json:"id"` // token.NewID; ordered by Time then ID
	WorkspaceID string    `json:"workspace_id"`
	Time        time.Time `json:"time"`
	ActorKind   string    `json:"actor_kind"` // "operator" or "member"
	ActorID     string    `json:"actor_id"`   // member id; empty for the operator
	ActorEmail  string    `json:"actor_email,omitempty"`
	Action      string    `json:"action"` // such as "member.remove", "key.create"
	TargetKind  string    `json:"target_kind,omitempty"`
	TargetID    string    `json:"target_id,omitempty"`
	Addr        string    `json:"addr,omitempty"`   // the caller's address
	Detail      string    `json:"detail,omitempty"` // short, human-readable, secret-free
}

// AuditQuery filters ListAudit. Zero fields do not filter. Entries come
// oldest first; After is the ID of the last entry of the previous page.
type AuditQuery struct {
	Since, Until time.Time // Since inclusive, Until exclusive
	ActorID      string
	After        string
	Limit        int // at most this many; 0 means 100
}

// Teams is the part of the store behind workspaces, accounts, invitations,
// plans and the audit log. Store embeds it.
type Teams interface {
	// CreateAccount stores a new account; ErrExists if the email is taken.
	CreateAccount(ctx context.Context, a *Account) error
	GetAccount(ctx context.Context, id string) (*Account, error)
	GetAccountByEmail(ctx context.Context, email string) (*Account, error)
	// ListMemberships returns every member record of the account (any
	// status), across workspaces, ordered by workspace id.
	ListMemberships(ctx context.Context, accountID string) ([]Member, error)

	// UpdateWorkspace replaces the workspace's Name, Personal and Plan
	// (Limits change through SetLimits). ErrNotFound if it does not exist.
	UpdateWorkspace(ctx context.Context, w *Workspace) error
	// DeleteWorkspace removes the workspace and everything in it; its
	// tokens are Unknown to the very next Admit. ErrNotFound if it does not exist.
	DeleteWorkspace(ctx context.Context, id string) error

	// GetTokenByHash finds a token of the workspace by its hash (admin API
	// authentication with a member token). No cache: status is current.
	GetTokenByHash(ctx context.Context, workspace string, h token.Hash) (*Token, error)

	// CreateInvitation stores a pending invitation, atomically checking
	// that no pending, unexpired invitation for the same email exists and no
	// active member has that email (ErrExists), and that active members plus
	// pending, unexpired invitations (at now) stay under seats (*SeatError;
	// seats <= 0 is unlimited). Concurrent calls for the last seat: exactly
	// one succeeds.
	CreateInvitation(ctx context.Context, inv *Invitation, seats int, now time.Time) error
	GetInvitation(ctx context.Context, workspace, id string) (*Invitation, error)
	ListInvitations(ctx context.Context, workspace string) ([]Invitation, error) // ordered by id
	// UpdateInvitation replaces the stored invitation (new code hash and
	// expiry on resend; a new status on cancel or decline) only if its stored
	// Status is from; ErrConflict otherwise, ErrNotFound if there is no such
	// invitation.
	UpdateInvitation(ctx context.Context, inv *Invitation, from InvitationStatus) error
	// ReopenInvitation gives the stored pending invitation inv.ID (stored
	// Status pending, expired or not) inv's CodeHash, ExpiresAt and Mailed;
	// every other field stays as stored. It is atomic like CreateInvitation: when
	// the invitation has expired at now it holds no seat, so it is refused
	// with *SeatError when active members plus other pending, unexpired
	// invitations fill seats (seats <= 0 is unlimited), and with ErrExists
	// when the email meanwhile has another pending, unexpired invitation or
	// is an active member. ErrConflict if the stored Status is not pending
	// or the new code is taken, ErrNotFound if there is no such invitation.
	ReopenInvitation(ctx context.Context, inv *Invitation, seats int, now time.Time) error
	// AcceptInvitation atomically turns the pending, unexpired (at now)
	// invitation of the workspace whose code hashes to code into an active
	// member m (Role taken from the invitation, AccountID set by the caller)
	// with member token t, and marks it accepted. It returns the invitation;
	// ErrNotFound for an unknown code; ErrConflict (with the invitation
	// returned) when it is not pending or has expired; ErrExists when the
	// account is already an active member.
	AcceptInvitation(ctx context.Context, workspace string, code token.Hash, now time.Time, m *Member, t *Token) (*Invitation, error)

	// CreateKey stores a new workspace key (Kind token.Key) as CreateToken
	// does, atomically checking that the workspace's active keys that have
	// not expired (at the store's clock) stay under maxActive: when they
	// already number maxActive or more it stores nothing and returns
	// *KeyLimitError. maxActive <= 0 is unlimited. Concurrent calls for the
	// last key: exactly one succeeds.
	CreateKey(ctx context.Context, t *Token, maxActive int) error
	// TransferOwnership atomically makes member toMemberID of workspace ws
	// the owner and member fromMemberID an admin. from must be the active
	// owner and to an active admin (so from != to); ErrConflict otherwise,
	// with nothing changed. ErrNotFound if the workspace or a member does
	// not exist.
	TransferOwnership(ctx context.Context, ws, fromMemberID, toMemberID string) error

	PutPlan(ctx context.Context, p *Plan) error
	GetPlan(ctx context.Context, name string) (*Plan, error)
	ListPlans(ctx context.Context) ([]Plan, error) // ordered by name

	// AppendAudit records an entry; ListAudit reads the workspace's entries.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	ListAudit(ctx context.Context, workspace string, q AuditQuery) ([]AuditEntry, error)
}

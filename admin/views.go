package admin

import (
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// The view types below are what the API returns. They are separate from the
// store records so that a field added to a record (a hash, a credential) never
// leaks into a response by accident.

type workspaceView struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Personal  bool         `json:"personal"`
	Plan      string       `json:"plan"`
	Limits    store.Limits `json:"limits"`
	CreatedAt time.Time    `json:"created_at"`
}

func viewWorkspace(w *store.Workspace) workspaceView {
	plan := w.Plan
	if plan == "" {
		plan = PlanTeam
	}
	return workspaceView{ID: w.ID, Name: w.Name, Personal: w.Personal, Plan: plan, Limits: w.Limits,
		CreatedAt: w.CreatedAt}
}

type memberView struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Email       string     `json:"email"`
	Role        string     `json:"role"`
	Status      string     `json:"status"`
	RPM         int64      `json:"rpm"`
	TPM         int64      `json:"tpm,omitempty"`             // tokens per minute; 0 uses the workspace's
	Monthly     int64      `json:"monthly_credits,omitempty"` // spend cap per period, µc; 0 uses the workspace's
	AccountID   string     `json:"account_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`            // joined
	LastActive  *time.Time `json:"last_active,omitempty"` // absent: never
}

func viewMember(m *store.Member) memberView {
	return memberView{ID: m.ID, WorkspaceID: m.WorkspaceID, Email: m.Email, Role: m.Role,
		Status: string(m.Status), RPM: m.RPM, TPM: m.TPM, Monthly: m.Monthly, AccountID: m.AccountID, CreatedAt: m.CreatedAt,
		LastActive: optTime(m.LastActive)}
}

// optTime is nil for the zero time, so JSON omits it.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// tokenView describes any stored token: never its hash, only its display prefix.
type tokenView struct {
	ID          string                `json:"id"`
	WorkspaceID string                `json:"workspace_id"`
	Kind        string                `json:"kind"`
	Display     string                `json:"display"`
	Status      string                `json:"status"`
	MemberID    string                `json:"member_id,omitempty"`
	Name        string                `json:"name,omitempty"`
	RPM         int64                 `json:"rpm,omitempty"`
	TPM         int64                 `json:"tpm,omitempty"`
	Monthly     int64                 `json:"monthly_credits,omitempty"` // µc per billing period
	Upstreams   []string              `json:"upstreams,omitempty"`
	ModelLimits map[string]modelLimit `json:"model_limits,omitempty"`
	ExpiresAt   *time.Time            `json:"expires_at,omitempty"`
	CreatedAt   time.Time             `json:"created_at"`
	LastUsed    *time.Time            `json:"last_used,omitempty"`
}

func viewToken(t *store.Token) tokenView {
	v := tokenView{ID: t.ID, WorkspaceID: t.WorkspaceID, Kind: t.Kind.String(), Display: t.Display,
		Status: string(t.Status), MemberID: t.MemberID, Name: t.Name, RPM: t.RPM, TPM: t.TPM, Monthly: t.Monthly,
		Upstreams: t.Upstreams, CreatedAt: t.CreatedAt, ExpiresAt: optTime(t.ExpiresAt),
		LastUsed: optTime(t.LastUsed), ModelLimits: viewModelLimits(t.ModelRPM, t.ModelLimits)}
	return v
}

// upstreamView is an upstream without its credential; HasCredential says
// whether one is set.
type upstreamView struct {
	WorkspaceID   string    `json:"workspace_id"`
	Name          string    `json:"name"`
	BaseURL       string    `json:"base_url"`
	Kind          string    `json:"kind"`
	AuthHeader    string    `json:"auth_header,omitempty"`
	AuthScheme    string    `json:"auth_scheme,omitempty"`
	HasCredential bool      `json:"has_credential"`
	Public        bool      `json:"public"` // the operator's, visible to every workspace
	CreatedAt     time.Time `json:"created_at"`
}

func viewUpstream(u *store.Upstream) upstreamView {
	return upstreamView{WorkspaceID: u.WorkspaceID, Name: u.Name, BaseURL: u.BaseURL, Kind: u.Kind,
		AuthHeader: u.AuthHeader, AuthScheme: u.AuthScheme, HasCredential: u.Credential != "",
		Public: u.WorkspaceID == store.PublicWorkspace, CreatedAt: u.CreatedAt}
}

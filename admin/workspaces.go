package admin

import (
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// limitsRequest sets a workspace's limits: requests per minute, tokens per
// minute (0 is off) and default monthly caps in micro-credits (0 is off).
// Fields are pointers so that an omitted field can be told from 0.
type limitsRequest struct {
	MemberRPM    *int64 `json:"member_rpm"`
	KeyRPM       *int64 `json:"key_rpm"`
	WorkspaceRPM *int64 `json:"workspace_rpm"`

	MemberTPM    *int64 `json:"member_tpm"`
	KeyTPM       *int64 `json:"key_tpm"`
	WorkspaceTPM *int64 `json:"workspace_tpm"`
	// TokenCount is which tokens the TPM limits count: total (the
	// default), input or output.
	TokenCount *string `json:"token_count"`

	MemberMonthlyCredits *int64 `json:"member_monthly_credits"`
	KeyMonthlyCredits    *int64 `json:"key_monthly_credits"`
}

// check validates the fields; all requires the three RPM fields (a PUT of
// the limits), the others are optional everywhere.
func (l *limitsRequest) check(prefix string, all bool) error {
	for _, f := range []struct {
		name string
		v    *int64
	}{{"member_rpm", l.MemberRPM}, {"key_rpm", l.KeyRPM}, {"workspace_rpm", l.WorkspaceRPM}} {
		if all && f.v == nil {
			return errInvalid("%s%s: required", prefix, f.name)
		}
		if err := checkRPM(prefix+f.name, f.v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"member_tpm", l.MemberTPM}, {"key_tpm", l.KeyTPM}, {"workspace_tpm", l.WorkspaceTPM},
		{"member_monthly_credits", l.MemberMonthlyCredits}, {"key_monthly_credits", l.KeyMonthlyCredits}} {
		if err := checkLimit(prefix+f.name, f.v); err != nil {
			return err
		}
	}
	if _, ok := tokenCount(l.TokenCount); !ok {
		return errInvalid("%stoken_count: want total, input or output, got %q", prefix, clip(*l.TokenCount))
	}
	return nil
}

// tokenCount maps the API's token_count onto store.Limits.TokenCount.
func tokenCount(s *string) (string, bool) {
	if s == nil {
		return store.TokensTotal, true
	}
	switch *s {
	case "", "total":
		return store.TokensTotal, true
	case "input":
		return store.TokensInput, true
	case "output":
		return store.TokensOutput, true
	}
	return "", false
}

// limits returns the store form; omitted member_rpm is
// limiter.DefaultMemberRPM, every other omitted field 0 (off).
func (l *limitsRequest) limits() store.Limits {
	out := store.Limits{MemberRPM: limiter.DefaultMemberRPM}
	if l == nil {
		return out
	}
	if l.MemberRPM != nil {
		out.MemberRPM = *l.MemberRPM
	}
	out.KeyRPM, out.WorkspaceRPM = deref(l.KeyRPM), deref(l.WorkspaceRPM)
	out.MemberTPM, out.KeyTPM, out.WorkspaceTPM = deref(l.MemberTPM), deref(l.KeyTPM), deref(l.WorkspaceTPM)
	out.TokenCount, _ = tokenCount(l.TokenCount)
	out.MemberMonthlyCredits, out.KeyMonthlyCredits = deref(l.MemberMonthlyCredits), deref(l.KeyMonthlyCredits)
	return out
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (a *api) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewWorkspace(ws))
}

func (a *api) setLimits(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	var req limitsRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.check("", true); err != nil {
		return err
	}
	ws.Limits = req.limits() // a PUT: every omitted token limit and cap is off
	if err := a.store.SetLimits(r.Context(), ws.ID, ws.Limits); err != nil {
		return err
	}
	callerOf(r).audit.detail = "limits set"
	a.log.Info("admin: limits set", "workspace", ws.ID)
	return writeJSON(w, http.StatusOK, viewWorkspace(ws))
}

// workspace loads the workspace named by the {ws} path segment, or answers
// not_found.
func (a *api) workspace(r *http.Request) (*store.Workspace, error) {
	id := r.PathValue("ws")
	if !token.ValidID(id) || id == store.PublicWorkspace { // public upstreams have their own routes
		return nil, errNotFound("workspace %q not found", id)
	}
	ws, err := a.store.GetWorkspace(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound("workspace %q not found", id)
	}
	return ws, err
}

// workspaceID checks that the {ws} workspace exists and returns its id.
func (a *api) workspaceID(r *http.Request) (string, error) {
	ws, err := a.workspace(r)
	if err != nil {
		return "", err
	}
	return ws.ID, nil
}

// notFound turns store.ErrNotFound into a not_found naming what was missing.
func notFound(err error, what, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("%s %q not found", what, id)
	}
	return err
}

package admin

import (
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// limitsRequest sets a workspace's rate limits, in requests per minute (0 is
// off). Fields are pointers so that an omitted field can be told from 0.
type limitsRequest struct {
	MemberRPM    *int64 `json:"member_rpm"`
	KeyRPM       *int64 `json:"key_rpm"`
	WorkspaceRPM *int64 `json:"workspace_rpm"`
}

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
	return nil
}

// limits returns the store form; omitted member_rpm is limiter.DefaultMemberRPM.
func (l *limitsRequest) limits() store.Limits {
	out := store.Limits{MemberRPM: limiter.DefaultMemberRPM}
	if l == nil {
		return out
	}
	if l.MemberRPM != nil {
		out.MemberRPM = *l.MemberRPM
	}
	if l.KeyRPM != nil {
		out.KeyRPM = *l.KeyRPM
	}
	if l.WorkspaceRPM != nil {
		out.WorkspaceRPM = *l.WorkspaceRPM
	}
	return out
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
	ws.Limits = store.Limits{MemberRPM: *req.MemberRPM, KeyRPM: *req.KeyRPM, WorkspaceRPM: *req.WorkspaceRPM}
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

package admin

import (
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// upstreamFields are the writable fields of an upstream besides its name.
type upstreamFields struct {
	BaseURL    string  `json:"base_url"`
	Kind       string  `json:"kind"`
	Credential *string `json:"credential"` // write-only; on PUT, omitted keeps the stored one and "" clears it
	AuthHeader string  `json:"auth_header"`
	AuthScheme string  `json:"auth_scheme"`
}

type createUpstreamRequest struct {
	Name string `json:"name"`
	upstreamFields
}

func (f *upstreamFields) check() error {
	if err := checkBaseURL(f.BaseURL); err != nil {
		return err
	}
	if f.Kind != store.KindLLM && f.Kind != store.KindMCP {
		return errInvalid("kind: must be llm or mcp, got %q", f.Kind)
	}
	if err := checkHeaderName(f.AuthHeader); err != nil {
		return err
	}
	if len(f.AuthScheme) > 64 || containsControl(f.AuthScheme) {
		return errInvalid("auth_scheme: must be a short printable word such as Bearer")
	}
	if f.Credential != nil && containsControl(*f.Credential) {
		return errInvalid("credential: must not contain control characters")
	}
	return nil
}

// apply writes f onto u, keeping u's credential when f has none.
func (f *upstreamFields) apply(u *store.Upstream) {
	u.BaseURL, u.Kind, u.AuthHeader, u.AuthScheme = f.BaseURL, f.Kind, f.AuthHeader, f.AuthScheme
	if f.Credential != nil {
		u.Credential = *f.Credential
	}
}

func (a *api) createUpstream(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	return a.createUpstreamIn(w, r, ws)
}

// createUpstreamIn creates the upstream of the request body in workspace ws.
func (a *api) createUpstreamIn(w http.ResponseWriter, r *http.Request, ws string) error {
	var req createUpstreamRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := firstErr(checkUpstreamName("name", req.Name), req.check()); err != nil {
		return err
	}
	c := callerOf(r)
	if err := a.checkShadowing(r.Context(), c, req.Name); err != nil {
		return err
	}
	if err := checkUpstreamTarget(r.Context(), c, req.BaseURL); err != nil {
		return err
	}
	u := &store.Upstream{WorkspaceID: ws, Name: req.Name, CreatedAt: a.now().UTC()}
	req.apply(u)
	// One atomic create-if-absent: of concurrent creations of one name
	// exactly one succeeds and a stored upstream is never replaced.
	if err := a.store.CreateUpstream(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return errConflict("name: upstream %q already exists; use PUT to replace it", req.Name)
		}
		return err
	}
	c.target("upstream", u.Name)
	a.log.Info("admin: upstream created", "workspace", ws, "upstream", u.Name)
	return writeJSON(w, http.StatusCreated, viewUpstream(u))
}

func (a *api) listUpstreams(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	all, err := a.store.ListUpstreams(r.Context(), ws)
	if err != nil {
		return err
	}
	if all, err = a.withPublic(r.Context(), all); err != nil {
		return err
	}
	return listResponse(w, r, all, nil, func(u *store.Upstream) string { return u.Name }, viewUpstream)
}

func (a *api) getUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstream(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewUpstream(u))
}

// replaceUpstream replaces an existing upstream's fields; the name is the
// path's. An omitted credential keeps the stored one. The write is the
// store's atomic replace-if-present, so an upstream deleted or transferred
// away between the read and the write answers 404 and is never recreated
// (with its credential) in this workspace.
func (a *api) replaceUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstream(r)
	if err != nil {
		return err
	}
	var req upstreamFields
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	if err := checkUpstreamTarget(r.Context(), callerOf(r), req.BaseURL); err != nil {
		return err
	}
	req.apply(u)
	if err := a.store.UpdateUpstream(r.Context(), u); err != nil {
		return goneMeanwhile(err, u.Name)
	}
	a.log.Info("admin: upstream replaced", "workspace", u.WorkspaceID, "upstream", u.Name)
	return writeJSON(w, http.StatusOK, viewUpstream(u))
}

func (a *api) deleteUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstream(r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteUpstream(r.Context(), u.WorkspaceID, u.Name); err != nil {
		return notFound(err, "upstream", u.Name)
	}
	a.log.Info("admin: upstream deleted", "workspace", u.WorkspaceID, "upstream", u.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// upstream loads the {name} upstream of the {ws} workspace.
func (a *api) upstream(r *http.Request) (*store.Upstream, error) {
	ws, err := a.workspaceID(r)
	if err != nil {
		return nil, err
	}
	return a.upstreamIn(r, ws)
}

// upstreamIn loads the {name} upstream of workspace ws.
func (a *api) upstreamIn(r *http.Request, ws string) (*store.Upstream, error) {
	name := r.PathValue("name")
	if !upstreamName.MatchString(name) {
		return nil, errNotFound("upstream %q not found", name)
	}
	u, _, err := a.store.GetUpstream(r.Context(), ws, name)
	return u, notFound(err, "upstream", name)
}

// goneMeanwhile answers 404 when a replace found its upstream deleted or
// moved away by another request after it was read.
func goneMeanwhile(err error, name string) error {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("upstream %q not found: it was deleted or moved by another request meanwhile", name)
	}
	return err
}

func containsControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

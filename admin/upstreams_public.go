package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// Public upstreams are the operator's, kept in the reserved workspace
// store.PublicWorkspace and visible to every workspace: the gateway admits
// them when a workspace has no upstream of that name (a private upstream
// shadows a public one). Only the operator manages them, under
// /v1/upstreams; workspace upstream lists include them marked public.

func (a *api) createPublicUpstream(w http.ResponseWriter, r *http.Request) error {
	if err := a.ensurePublicWorkspace(r.Context()); err != nil {
		return err
	}
	return a.createUpstreamIn(w, r, store.PublicWorkspace)
}

func (a *api) listPublicUpstreams(w http.ResponseWriter, r *http.Request) error {
	all, err := a.publicUpstreams(r.Context())
	if err != nil {
		return err
	}
	return listResponse(w, r, all, nil, func(u *store.Upstream) string { return u.Name }, viewUpstream)
}

func (a *api) getPublicUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstreamIn(r, store.PublicWorkspace)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewUpstream(u))
}

// replacePublicUpstream replaces a public upstream's fields; an omitted
// credential keeps the stored one. Like replaceUpstream it never recreates
// an upstream deleted meanwhile: that answers 404.
func (a *api) replacePublicUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstreamIn(r, store.PublicWorkspace)
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
	req.apply(u)
	if err := a.store.UpdateUpstream(r.Context(), u); err != nil {
		return goneMeanwhile(err, u.Name)
	}
	callerOf(r).target("upstream", u.Name)
	a.log.Info("admin: public upstream replaced", "upstream", u.Name)
	return writeJSON(w, http.StatusOK, viewUpstream(u))
}

func (a *api) deletePublicUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstreamIn(r, store.PublicWorkspace)
	if err != nil {
		return err
	}
	if err := a.store.DeleteUpstream(r.Context(), store.PublicWorkspace, u.Name); err != nil {
		return notFound(err, "upstream", u.Name)
	}
	callerOf(r).target("upstream", u.Name)
	a.log.Info("admin: public upstream deleted", "upstream", u.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ensurePublicWorkspace creates the public workspace record on first use.
func (a *api) ensurePublicWorkspace(ctx context.Context) error {
	_, err := a.store.GetWorkspace(ctx, store.PublicWorkspace)
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	err = a.store.CreateWorkspace(ctx, &store.Workspace{ID: store.PublicWorkspace, Name: store.PublicWorkspaceName,
		CreatedAt: a.now().UTC()})
	if errors.Is(err, store.ErrExists) {
		return nil // created meanwhile by another call
	}
	return err
}

// publicUpstreams lists the public upstreams; none before the first is made.
func (a *api) publicUpstreams(ctx context.Context) ([]store.Upstream, error) {
	all, err := a.store.ListUpstreams(ctx, store.PublicWorkspace)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return all, err
}

// withPublic adds to a workspace's upstreams the public ones it does not
// shadow with a name of its own.
func (a *api) withPublic(ctx context.Context, own []store.Upstream) ([]store.Upstream, error) {
	pub, err := a.publicUpstreams(ctx)
	if err != nil || len(pub) == 0 {
		return own, err
	}
	names := make(map[string]bool, len(own))
	for _, u := range own {
		names[u.Name] = true
	}
	for _, u := range pub {
		if !names[u.Name] {
			own = append(own, u)
		}
	}
	return own, nil
}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// PutUpstream creates or replaces u and bumps the upstream revision;
// ErrNotFound if the workspace does not exist.
func (s *Store) PutUpstream(ctx context.Context, u *store.Upstream) error {
	if u == nil {
		return errors.New("redisstore: nil upstream")
	}
	if err := checkWorkspace(u.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("upstream name", u.Name); err != nil {
		return err
	}
	ws := u.WorkspaceID
	return verdict("put upstream", putRecordScript.run(ctx, s.c,
		[]string{wsKey(ws), upKey(ws, u.Name), upstreamsKey(ws)}, u.Name, "1",
		"name", u.Name, "base_url", u.BaseURL, "kind", u.Kind, "auth_header", u.AuthHeader,
		"auth_scheme", u.AuthScheme, "credential", u.Credential, "created", ms(u.CreatedAt)))
}

// GetUpstream returns the upstream and the upstream revision read with it.
func (s *Store) GetUpstream(ctx context.Context, workspace, name string) (*store.Upstream, int64, error) {
	if checkWorkspace(workspace) != nil || checkPart("upstream name", name) != nil {
		return nil, 0, fmt.Errorf("redisstore: upstream %q: %w", name, store.ErrNotFound)
	}
	v, err := getUpstreamScript.run(ctx, s.c, []string{upKey(workspace, name), wsKey(workspace)}).Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("redisstore: get upstream: %w", err)
	}
	if len(v) != 2 {
		return nil, 0, fmt.Errorf("redisstore: get upstream: %w", errReply)
	}
	rev, _ := v[0].(string)
	m, err := fields(v[1])
	if err != nil {
		return nil, 0, fmt.Errorf("redisstore: get upstream: %w", err)
	}
	if len(m) == 0 {
		return nil, 0, fmt.Errorf("redisstore: upstream %s: %w", name, store.ErrNotFound)
	}
	u := decodeUpstream(workspace, m)
	return &u, i64(rev), nil
}

// ListUpstreams returns the workspace's upstreams ordered by name.
func (s *Store) ListUpstreams(ctx context.Context, workspace string) ([]store.Upstream, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	recs, err := s.list(ctx, "list upstreams", upstreamsKey(workspace), tag(workspace)+":up:", "")
	if err != nil {
		return nil, err
	}
	out := make([]store.Upstream, len(recs))
	for i, m := range recs {
		out[i] = decodeUpstream(workspace, m)
	}
	slices.SortFunc(out, func(a, b store.Upstream) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteUpstream removes the upstream and bumps the revision; ErrNotFound if absent.
func (s *Store) DeleteUpstream(ctx context.Context, workspace, name string) error {
	if checkWorkspace(workspace) != nil || checkPart("upstream name", name) != nil {
		return fmt.Errorf("redisstore: upstream %q: %w", name, store.ErrNotFound)
	}
	return verdict("delete upstream", deleteUpstreamScript.run(ctx, s.c,
		[]string{wsKey(workspace), upKey(workspace, name), upstreamsKey(workspace)}, name))
}

func decodeUpstream(ws string, m map[string]string) store.Upstream {
	return store.Upstream{WorkspaceID: ws, Name: m["name"], BaseURL: m["base_url"], Kind: m["kind"],
		AuthHeader: m["auth_header"], AuthScheme: m["auth_scheme"], Credential: m["credential"],
		CreatedAt: fromMS(m["created"])}
}

package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// PutUpstream creates or replaces an upstream of an existing workspace and
// bumps the workspace's upstream revision, both in one transaction. It fills
// u's zero CreatedAt with the stored upstream's, or the clock's when new.
func (s *Store) PutUpstream(ctx context.Context, u *store.Upstream) error {
	return s.writeUpstream(ctx, u, createOrReplace)
}

// CreateUpstream stores u if its workspace has no upstream of that name and
// bumps the upstream revision, in one transaction under the workspace's
// write lock, so of concurrent creations of one name exactly one succeeds.
// ErrExists if the name is taken, ErrNotFound if the workspace does not
// exist. It fills u's zero CreatedAt with the clock's time.
func (s *Store) CreateUpstream(ctx context.Context, u *store.Upstream) error {
	return s.writeUpstream(ctx, u, createOnly)
}

// UpdateUpstream replaces u's stored upstream and bumps the upstream
// revision, in one transaction under the workspace's write lock, so it
// never recreates an upstream deleted or moved away meanwhile. ErrNotFound
// if the workspace has no upstream of that name or does not exist. It fills
// u's zero CreatedAt with the stored upstream's.
func (s *Store) UpdateUpstream(ctx context.Context, u *store.Upstream) error {
	return s.writeUpstream(ctx, u, replaceOnly)
}

// upstreamWrite says whether a write may create, replace, or both.
type upstreamWrite uint8

const (
	createOrReplace upstreamWrite = iota
	createOnly
	replaceOnly
)

// writeUpstream is PutUpstream, CreateUpstream and UpdateUpstream: the
// existence rule of mode is checked under the workspace's write lock, and
// the record and the new revision are written in one transaction.
func (s *Store) writeUpstream(ctx context.Context, u *store.Upstream, mode upstreamWrite) error {
	if err := validateUpstream(u); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, u.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(u.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	old, rev := ws.upstreams[u.Name], ws.upstreamRev+1
	ws.mu.Unlock()
	switch {
	case mode == createOnly && old != nil:
		return fmt.Errorf("embedded: upstream %q in workspace %q: %w", u.Name, u.WorkspaceID, store.ErrExists)
	case mode == replaceOnly && old == nil:
		return fmt.Errorf("embedded: upstream %q in workspace %q: %w", u.Name, u.WorkspaceID, store.ErrNotFound)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.clock().UTC()
		if old != nil {
			u.CreatedAt = old.CreatedAt
		}
	}
	rec := cloneUpstream(u)
	if err := s.update(func(tx *bolt.Tx) error {
		if err := putRecord(tx, rec.WorkspaceID, bucketUpstreams, rec.Name, rec); err != nil {
			return err
		}
		return putUpstreamRev(tx, rec.WorkspaceID, rev)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.upstreams[rec.Name], ws.upstreamRev = rec, rev
	ws.mu.Unlock()
	return nil
}

// GetUpstream returns a copy of the upstream and the workspace's upstream
// revision, read together.
func (s *Store) GetUpstream(ctx context.Context, workspace, name string) (*store.Upstream, int64, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, 0, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	u := ws.upstreams[name]
	if u == nil {
		return nil, 0, fmt.Errorf("embedded: upstream %q in workspace %q: %w", name, workspace, store.ErrNotFound)
	}
	return cloneUpstream(u), ws.upstreamRev, nil
}

// ListUpstreams returns copies of the workspace's upstreams, ordered by name.
func (s *Store) ListUpstreams(ctx context.Context, workspace string) ([]store.Upstream, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	out := make([]store.Upstream, 0, len(ws.upstreams))
	for _, u := range ws.upstreams {
		out = append(out, *u)
	}
	ws.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Upstream) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteUpstream removes the upstream and bumps the upstream revision.
// ErrNotFound, with no bump, if there is no such upstream.
func (s *Store) DeleteUpstream(ctx context.Context, workspace, name string) error {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(workspace); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	exists, rev := ws.upstreams[name] != nil, ws.upstreamRev+1
	ws.mu.Unlock()
	if !exists {
		return fmt.Errorf("embedded: upstream %q in workspace %q: %w", name, workspace, store.ErrNotFound)
	}
	return s.deleteWithRev(ws, workspace, bucketUpstreams, name, rev, func() { delete(ws.upstreams, name) })
}

// deleteWithRev deletes key from the workspace's bucket and sets its
// upstream revision to rev, on disk and then in memory, where drop forgets
// the record (under ws.mu). The caller holds ws.write and has seen the
// record exist.
func (s *Store) deleteWithRev(ws *wsState, workspace string, bucket []byte, key string, rev int64, drop func()) error {
	if err := s.update(func(tx *bolt.Tx) error {
		b, err := wsBucket(tx, workspace, false)
		if err != nil {
			return err
		}
		if err := b.Bucket(bucket).Delete([]byte(key)); err != nil {
			return err
		}
		return putUpstreamRev(tx, workspace, rev)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	drop()
	ws.upstreamRev = rev
	ws.mu.Unlock()
	return nil
}

// UpstreamNames returns the names of the workspace's upstreams and its
// upstream revision, read under one lock. A workspace that does not exist
// has none and revision 0.
func (s *Store) UpstreamNames(ctx context.Context, workspace string) ([]string, int64, error) {
	if err := s.open(ctx); err != nil {
		return nil, 0, err
	}
	ws := s.workspace(workspace)
	if ws == nil {
		return nil, 0, nil
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	names := make([]string, 0, len(ws.upstreams))
	for n := range ws.upstreams {
		names = append(names, n)
	}
	return names, ws.upstreamRev, nil
}

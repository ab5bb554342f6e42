package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// UpdateUpstream replaces u's stored upstream and bumps the upstream
// revision, in one transaction under the workspace's write lock, so it
// never recreates an upstream deleted or moved away meanwhile. ErrNotFound
// if the workspace has no upstream of that name or does not exist. It fills
// u's zero CreatedAt with the stored upstream's.
func (s *Store) UpdateUpstream(ctx context.Context, u *store.Upstream) error {
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
	if old == nil {
		return fmt.Errorf("embedded: upstream %q in workspace %q: %w", u.Name, u.WorkspaceID, store.ErrNotFound)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = old.CreatedAt
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

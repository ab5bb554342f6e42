package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// CreateUpstream stores u if its workspace has no upstream of that name and
// bumps the upstream revision, in one transaction under the workspace's
// write lock, so of concurrent creations of one name exactly one succeeds.
// ErrExists if the name is taken, ErrNotFound if the workspace does not
// exist. It fills u's zero CreatedAt with the clock's time.
func (s *Store) CreateUpstream(ctx context.Context, u *store.Upstream) error {
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
	taken, rev := ws.upstreams[u.Name] != nil, ws.upstreamRev+1
	ws.mu.Unlock()
	if taken {
		return fmt.Errorf("embedded: upstream %q in workspace %q: %w", u.Name, u.WorkspaceID, store.ErrExists)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.clock().UTC()
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

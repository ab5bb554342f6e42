package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// TransferOwnership makes member to the owner of workspace ws and member
// from an admin, in one bbolt transaction under the workspace's write lock:
// from must be the active owner and to an active admin (ErrConflict
// otherwise); ErrNotFound if the workspace or either member is missing.
func (s *Store) TransferOwnership(ctx context.Context, workspace, from, to string) error {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(workspace); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	oldOwner, newOwner := ws.members[from], ws.members[to]
	var a, b store.Member
	if oldOwner != nil && newOwner != nil {
		a, b = oldOwner.rec, newOwner.rec
	}
	ws.mu.Unlock()
	switch {
	case oldOwner == nil || newOwner == nil:
		return fmt.Errorf("embedded: ownership transfer %q -> %q in workspace %q: member %w", from, to, workspace, store.ErrNotFound)
	case a.Status != store.MemberActive || a.Role != store.RoleOwner:
		return fmt.Errorf("embedded: member %q is %s %s, not the active owner: %w", from, a.Status, a.Role, store.ErrConflict)
	case from == to || b.Status != store.MemberActive || b.Role != store.RoleAdmin:
		return fmt.Errorf("embedded: member %q is %s %s, not an active admin: %w", to, b.Status, b.Role, store.ErrConflict)
	}
	a.Role, b.Role = store.RoleAdmin, store.RoleOwner
	if err := s.update(func(tx *bolt.Tx) error {
		if err := putRecord(tx, workspace, bucketMembers, a.ID, &a); err != nil {
			return err
		}
		return putRecord(tx, workspace, bucketMembers, b.ID, &b)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.publishMember(a)
	ws.publishMember(b)
	ws.mu.Unlock()
	return nil
}

package embedded

import (
	"context"
	"fmt"
	"maps"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// UpdateWorkspace replaces the stored workspace's Name, Personal and Plan;
// its id, Limits and CreatedAt stay. ErrNotFound if it does not exist.
func (s *Store) UpdateWorkspace(ctx context.Context, w *store.Workspace) error {
	if w == nil || w.ID == "" {
		return invalid("workspace id is empty")
	}
	ws, err := s.lookup(ctx, w.ID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(w.ID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	rec := ws.rec
	ws.mu.Unlock()
	rec.Name, rec.Personal, rec.Plan = w.Name, w.Personal, w.Plan
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, rec.ID, nil, string(keyWorkspace), &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.rec.Name, ws.rec.Personal, ws.rec.Plan = rec.Name, rec.Personal, rec.Plan
	ws.mu.Unlock()
	return nil
}

// DeleteWorkspace removes the workspace and everything in it (members,
// tokens, upstreams, invitations, audit log) from disk in one transaction,
// then from memory: the very next Admit with any of its tokens is Unknown,
// and a write that found the workspace before the delete fails with
// ErrNotFound, and the whole workspace is published on the Revocations
// feed. ErrNotFound if it does not exist.
func (s *Store) DeleteWorkspace(ctx context.Context, id string) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.workspaces.Load()
	ws := old[id]
	if ws == nil {
		return fmt.Errorf("embedded: workspace %q: %w", id, store.ErrNotFound)
	}
	ws.write.Lock()
	defer ws.write.Unlock()
	if err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWorkspaces).DeleteBucket([]byte(id))
	}); err != nil {
		return err
	}
	m := maps.Clone(old)
	delete(m, id)
	s.workspaces.Store(&m)
	ws.mu.Lock()
	ws.deleted = true
	ws.byHash = make(map[token.Hash]*tokenState) // an Admit holding the old pointer finds nothing
	ws.mu.Unlock()
	s.feed.publish(store.Revocation{Workspace: id})
	return nil
}

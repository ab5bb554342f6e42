package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// CreateToken stores a new token record of an existing workspace. It fills
// t's empty Status with TokenActive and a zero CreatedAt from the clock.
// ErrExists if the id or the hash is already taken in the workspace (a token
// carries its workspace id, so equal hashes in two workspaces cannot occur);
// ErrNotFound if a member token names no member of the workspace.
func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	if err := validateToken(t); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, t.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(t.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	if err := ws.checkNewToken(t); err != nil {
		return err
	}
	if t.Status == "" {
		t.Status = store.TokenActive
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.clock().UTC()
	}
	rec := cloneToken(*t)
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, rec.WorkspaceID, bucketTokens, rec.ID, &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.addToken(rec)
	ws.mu.Unlock()
	return nil
}

// checkNewToken refuses a taken id or hash, and a member token of an unknown
// member. The caller holds ws.write.
func (ws *wsState) checkNewToken(t *store.Token) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.tokens[t.ID] != nil {
		return fmt.Errorf("embedded: token id %q: %w", t.ID, store.ErrExists)
	}
	if ws.byHash[t.Hash] != nil {
		return fmt.Errorf("embedded: token hash of %q: %w", t.ID, store.ErrExists)
	}
	if t.Kind == token.Member && ws.members[t.MemberID] == nil {
		return fmt.Errorf("embedded: member %q of member token %q: %w", t.MemberID, t.ID, store.ErrNotFound)
	}
	return nil
}

// GetToken returns a copy of the token record.
func (s *Store) GetToken(ctx context.Context, workspace, id string) (*store.Token, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ts := ws.tokens[id]
	if ts == nil {
		return nil, fmt.Errorf("embedded: token %q in workspace %q: %w", id, workspace, store.ErrNotFound)
	}
	t := cloneToken(ts.rec)
	return &t, nil
}

// ListTokens returns copies of the workspace's tokens, ordered by id.
func (s *Store) ListTokens(ctx context.Context, workspace string) ([]store.Token, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	out := make([]store.Token, 0, len(ws.tokens))
	for _, ts := range ws.tokens {
		out = append(out, cloneToken(ts.rec))
	}
	ws.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Token) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// RevokeToken marks the token revoked, on disk and then in memory; the next
// Admit refuses it. Revoking a revoked token is not an error. The write also
// persists the token's LastUsed. Every successful call publishes the token
// on the Revocations feed, also for a token revoked before (a repeat closes
// streams a lost revocation left open).
func (s *Store) RevokeToken(ctx context.Context, workspace, id string) error {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(workspace); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	ts := ws.tokens[id]
	var rec store.Token
	if ts != nil {
		rec = cloneToken(ts.rec)
	}
	ws.mu.Unlock()
	if ts == nil {
		return fmt.Errorf("embedded: token %q in workspace %q: %w", id, workspace, store.ErrNotFound)
	}
	revoked := store.Revocation{Workspace: workspace, TokenID: id}
	if rec.Status == store.TokenRevoked {
		s.feed.publish(revoked)
		return nil
	}
	rec.Status = store.TokenRevoked
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, workspace, bucketTokens, id, &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ts.rec.Status = store.TokenRevoked
	ts.dirty = ts.rec.LastUsed.After(rec.LastUsed)
	ws.mu.Unlock()
	s.feed.publish(revoked)
	return nil
}

// GetTokenByHash returns a copy of the workspace's token whose hash is h,
// read from the same records Admit reads, so its status is current.
func (s *Store) GetTokenByHash(ctx context.Context, workspace string, h token.Hash) (*store.Token, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ts := ws.byHash[h]
	if ts == nil {
		return nil, fmt.Errorf("embedded: token by hash in workspace %q: %w", workspace, store.ErrNotFound)
	}
	t := cloneToken(ts.rec)
	return &t, nil
}

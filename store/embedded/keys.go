package embedded

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// CreateKey stores a new workspace key as CreateToken does, refusing it with
// *store.KeyLimitError when the workspace's active, unexpired keys (at the
// store's clock) already number maxActive (<= 0 is unlimited). The count and
// the commit happen under the workspace's write lock, so concurrent calls
// for the last key cannot both succeed.
func (s *Store) CreateKey(ctx context.Context, t *store.Token, maxActive int) error {
	if err := validateToken(t); err != nil {
		return err
	}
	if t.Kind != token.Key {
		return invalid("CreateKey: token %q has kind %s; want a workspace key", t.ID, t.Kind)
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
	now := s.clock()
	if n := ws.activeKeys(now); maxActive > 0 && n >= maxActive {
		return &store.KeyLimitError{Limit: maxActive, Active: n}
	}
	if t.Status == "" {
		t.Status = store.TokenActive
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now.UTC()
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

// activeKeys counts the workspace keys that are active and not expired at now.
func (ws *wsState) activeKeys(now time.Time) int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	n := 0
	for _, ts := range ws.tokens {
		t := &ts.rec
		if t.Kind == token.Key && t.Status == store.TokenActive && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)) {
			n++
		}
	}
	return n
}

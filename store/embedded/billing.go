package embedded

import (
	"context"
	"fmt"
	"maps"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// UpdateTokenLimits replaces the limits of an existing token (RPM, TPM,
// Monthly, ModelRPM, ModelLimits), on disk and then in memory; the next
// Admit uses them. The token's counters are kept, and counters for newly
// limited models are made here so Admit does not allocate. The write also
// persists the token's LastUsed. ErrNotFound when the token does not exist.
func (s *Store) UpdateTokenLimits(ctx context.Context, workspace, id string, l store.TokenLimits) error {
	if err := validateTokenLimits(id, l); err != nil {
		return err
	}
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
	rec.RPM, rec.TPM, rec.Monthly = l.RPM, l.TPM, l.Monthly
	rec.ModelRPM, rec.ModelLimits = maps.Clone(l.ModelRPM), maps.Clone(l.ModelLimits)
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, workspace, bucketTokens, id, &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ts.rec.RPM, ts.rec.TPM, ts.rec.Monthly = rec.RPM, rec.TPM, rec.Monthly
	ts.rec.ModelRPM, ts.rec.ModelLimits = rec.ModelRPM, rec.ModelLimits
	ts.makeCounters()
	ts.dirty = ts.rec.LastUsed.After(rec.LastUsed)
	ws.mu.Unlock()
	return nil
}

// SetBilling replaces the workspace's billing settings, on disk and then in
// memory; the next Admit counts caps in periods of the new anchor.
// ErrNotFound if the workspace does not exist.
func (s *Store) SetBilling(ctx context.Context, workspace string, b store.Billing) error {
	if err := validateBilling(b); err != nil {
		return err
	}
	return s.editWorkspace(ctx, workspace, func(w *store.Workspace) { w.Billing = b })
}

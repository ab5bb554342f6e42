package embedded

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// CreateWorkspace stores w. It fills w's zero CreatedAt from the clock and a
// zero Limits.MemberRPM with limiter.DefaultMemberRPM (SetLimits can turn it
// off later). ErrExists if the id is taken.
func (s *Store) CreateWorkspace(ctx context.Context, w *store.Workspace) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	if err := validateWorkspace(w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.workspaces.Load()
	if old[w.ID] != nil {
		return fmt.Errorf("embedded: workspace %q: %w", w.ID, store.ErrExists)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.clock().UTC()
	}
	if w.Limits.MemberRPM == 0 {
		w.Limits.MemberRPM = limiter.DefaultMemberRPM
	}
	rec := *w
	err := s.update(func(tx *bolt.Tx) error {
		if _, err := wsBucket(tx, rec.ID, true); err != nil {
			return err
		}
		return putRecord(tx, rec.ID, nil, string(keyWorkspace), &rec)
	})
	if err != nil {
		return err
	}
	m := maps.Clone(old)
	m[rec.ID] = newWSState(rec)
	s.workspaces.Store(&m)
	return nil
}

// GetWorkspace returns a copy of the workspace.
func (s *Store) GetWorkspace(ctx context.Context, id string) (*store.Workspace, error) {
	ws, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	w := ws.rec
	ws.mu.Unlock()
	return &w, nil
}

// ListWorkspaces returns copies of every workspace, ordered by id.
func (s *Store) ListWorkspaces(ctx context.Context) ([]store.Workspace, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	m := *s.workspaces.Load()
	out := make([]store.Workspace, 0, len(m))
	for _, ws := range m {
		ws.mu.Lock()
		out = append(out, ws.rec)
		ws.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b store.Workspace) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// SetLimits replaces the workspace's limits; the next Admit uses them.
// Counters are kept, so lowering a limit takes effect at once.
func (s *Store) SetLimits(ctx context.Context, workspace string, l store.Limits) error {
	if err := validateLimits(l); err != nil {
		return err
	}
	return s.editWorkspace(ctx, workspace, func(w *store.Workspace) { w.Limits = l })
}

// editWorkspace applies edit to the workspace's record, on disk and then
// in memory, under its write lock. ErrNotFound if it does not exist.
func (s *Store) editWorkspace(ctx context.Context, workspace string, edit func(*store.Workspace)) error {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(workspace); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	rec := ws.rec
	ws.mu.Unlock()
	edit(&rec)
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, workspace, nil, string(keyWorkspace), &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.rec = rec
	ws.mu.Unlock()
	return nil
}

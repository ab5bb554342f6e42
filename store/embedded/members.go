package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// PutMember creates or replaces a member of an existing workspace. It fills
// m's empty Status with MemberActive and a zero CreatedAt with the stored
// member's, or the clock's for a new member. LastActive is the store's: m's
// is replaced by the stored value (zero for a new member), which this write
// also persists. Replacing a member keeps its rate counter; a Status other
// than active refuses its tokens, and a new Role applies, from the next Admit.
// Replacing is checked against the stored member under the workspace's write
// lock (see guardMember): ErrConflict for an ownership change or a removed
// member made active. A stored member that turns from active and not a
// reader into removed or a reader is published on the Revocations feed
// after the write.
func (s *Store) PutMember(ctx context.Context, m *store.Member) error {
	if err := validateMember(m); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(m.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	if m.Status == "" {
		m.Status = store.MemberActive
	}
	ws.mu.Lock()
	old := ws.members[m.ID]
	revoke := false
	if old != nil {
		if err := guardMember(&old.rec, m); err != nil {
			ws.mu.Unlock()
			return err
		}
		revoke = usable(&old.rec) && !usable(m)
	}
	m.LastActive = time.Time{}
	if old != nil {
		m.LastActive = old.rec.LastActive
		if m.CreatedAt.IsZero() {
			m.CreatedAt = old.rec.CreatedAt
		}
	}
	ws.mu.Unlock()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.clock().UTC()
	}
	rec := *m
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, rec.WorkspaceID, bucketMembers, rec.ID, &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.publishMember(rec)
	ws.mu.Unlock()
	if revoke {
		s.feed.publish(store.Revocation{Workspace: rec.WorkspaceID, MemberID: rec.ID})
	}
	return nil
}

// usable reports whether m's tokens may pass admission as far as the member
// goes: active and not a reader.
func usable(m *store.Member) bool {
	return m.Status == store.MemberActive && m.Role != store.RoleReader
}

// guardMember refuses, with ErrConflict, to replace the stored member old by
// m when that would move ownership (an owner given another role, or another
// role made owner: only TransferOwnership moves it) or make a removed member
// active again. Both catch a stale read-modify-write that lost a race.
func guardMember(old, m *store.Member) error {
	switch {
	case old.Role == store.RoleOwner && m.Role != store.RoleOwner:
		return fmt.Errorf("embedded: member %q is the owner; only an ownership transfer changes its role: %w", m.ID, store.ErrConflict)
	case old.Role != store.RoleOwner && m.Role == store.RoleOwner:
		return fmt.Errorf("embedded: member %q is %s; only an ownership transfer makes it the owner: %w", m.ID, old.Role, store.ErrConflict)
	case old.Status == store.MemberRemoved && m.Status == store.MemberActive:
		return fmt.Errorf("embedded: member %q was removed and cannot be made active again: %w", m.ID, store.ErrConflict)
	}
	return nil
}

// publishMember puts rec, just written to disk, in memory, keeping any later
// activity Admit recorded meanwhile. The caller holds ws.mu.
func (ws *wsState) publishMember(rec store.Member) {
	old := ws.members[rec.ID]
	if old == nil {
		ws.members[rec.ID] = &memberState{rec: rec}
		return
	}
	written := rec.LastActive
	rec.LastActive = later(written, old.rec.LastActive)
	old.rec, old.dirty = rec, rec.LastActive.After(written)
}

// GetMember returns a copy of the member.
func (s *Store) GetMember(ctx context.Context, workspace, id string) (*store.Member, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ms := ws.members[id]
	if ms == nil {
		return nil, fmt.Errorf("embedded: member %q in workspace %q: %w", id, workspace, store.ErrNotFound)
	}
	m := ms.rec
	return &m, nil
}

// ListMembers returns copies of the workspace's members, ordered by id.
func (s *Store) ListMembers(ctx context.Context, workspace string) ([]store.Member, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	out := make([]store.Member, 0, len(ws.members))
	for _, ms := range ws.members {
		out = append(out, ms.rec)
	}
	ws.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Member) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

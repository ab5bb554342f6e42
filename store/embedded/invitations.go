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

// CreateInvitation stores inv as a pending invitation. It lower-cases the
// email, fills an empty Status with pending, a zero CreatedAt with now and a
// zero ExpiresAt with now plus store.InvitationTTL. Under the workspace's
// write lock, held across the commit, it refuses (in this order) a taken id
// or a pending, unexpired invitation or active member with the same email
// (ErrExists), and a workspace whose active members plus pending, unexpired
// invitations already fill seats (*store.SeatError; seats <= 0 is
// unlimited). Concurrent calls for the last seat: exactly one succeeds.
func (s *Store) CreateInvitation(ctx context.Context, inv *store.Invitation, seats int, now time.Time) error {
	if err := validateInvitation(inv); err != nil {
		return err
	}
	if inv.Status != "" && inv.Status != store.InvitationPending {
		return invalid("new invitation %q has status %q; want pending", inv.ID, inv.Status)
	}
	ws, err := s.lookup(ctx, inv.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(inv.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	inv.Email = strings.ToLower(inv.Email)
	if err := ws.checkNewInvitation(inv, seats, now); err != nil {
		return err
	}
	inv.Status = store.InvitationPending
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = now.UTC()
	}
	if inv.ExpiresAt.IsZero() {
		inv.ExpiresAt = now.Add(store.InvitationTTL).UTC()
	}
	return s.putInvitation(ws, *inv)
}

// checkNewInvitation applies CreateInvitation's checks to the records in
// memory. The caller holds ws.write, so they cannot change until the commit.
func (ws *wsState) checkNewInvitation(inv *store.Invitation, seats int, now time.Time) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.invitations[inv.ID] != nil {
		return fmt.Errorf("embedded: invitation %q: %w", inv.ID, store.ErrExists)
	}
	used := 0
	for _, ms := range ws.members {
		if ms.rec.Status != store.MemberActive {
			continue
		}
		if strings.EqualFold(ms.rec.Email, inv.Email) {
			return fmt.Errorf("embedded: %q is already an active member of workspace %q: %w", inv.Email, inv.WorkspaceID, store.ErrExists)
		}
		used++
	}
	for _, other := range ws.invitations {
		if other.State(now) != store.InvitationPending {
			continue
		}
		if strings.EqualFold(other.Email, inv.Email) {
			return fmt.Errorf("embedded: %q already has a pending invitation to workspace %q: %w", inv.Email, inv.WorkspaceID, store.ErrExists)
		}
		used++
	}
	if seats > 0 && used >= seats {
		return &store.SeatError{Limit: seats, Used: used}
	}
	return nil
}

// putInvitation writes rec and then publishes it. The caller holds ws.write.
func (s *Store) putInvitation(ws *wsState, rec store.Invitation) error {
	if err := s.update(func(tx *bolt.Tx) error {
		return putRecord(tx, rec.WorkspaceID, bucketInvitations, rec.ID, &rec)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	ws.invitations[rec.ID] = &rec
	ws.mu.Unlock()
	return nil
}

// GetInvitation returns a copy of the invitation, with its stored Status
// (use Invitation.State for expiry).
func (s *Store) GetInvitation(ctx context.Context, workspace, id string) (*store.Invitation, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	inv := ws.invitations[id]
	if inv == nil {
		return nil, fmt.Errorf("embedded: invitation %q in workspace %q: %w", id, workspace, store.ErrNotFound)
	}
	c := *inv
	return &c, nil
}

// ListInvitations returns copies of the workspace's invitations, in every
// state, ordered by id.
func (s *Store) ListInvitations(ctx context.Context, workspace string) ([]store.Invitation, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	out := make([]store.Invitation, 0, len(ws.invitations))
	for _, inv := range ws.invitations {
		out = append(out, *inv)
	}
	ws.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Invitation) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateInvitation replaces the stored invitation if its stored Status is
// from, and ErrConflict otherwise; ErrNotFound if there is none. It keeps the
// stored WorkspaceID, Email and CreatedAt: an invitation is never moved to
// another workspace or person.
func (s *Store) UpdateInvitation(ctx context.Context, inv *store.Invitation, from store.InvitationStatus) error {
	if err := validateInvitation(inv); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, inv.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(inv.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	ws.mu.Lock()
	old := ws.invitations[inv.ID]
	var cur store.Invitation
	if old != nil {
		cur = *old
	}
	ws.mu.Unlock()
	switch {
	case old == nil:
		return fmt.Errorf("embedded: invitation %q in workspace %q: %w", inv.ID, inv.WorkspaceID, store.ErrNotFound)
	case cur.Status != from:
		return fmt.Errorf("embedded: invitation %q is %s, not %s: %w", inv.ID, cur.Status, from, store.ErrConflict)
	}
	if inv.Status == "" {
		inv.Status = cur.Status
	}
	inv.Email, inv.CreatedAt = cur.Email, cur.CreatedAt
	return s.putInvitation(ws, *inv)
}

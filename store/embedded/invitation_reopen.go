package embedded

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// ReopenInvitation gives the stored pending invitation inv.ID the new
// CodeHash, ExpiresAt and Mailed of inv, keeping every other stored field. Under the
// workspace's write lock it refuses a stored status other than pending or a
// code hash of another invitation (ErrConflict) and, when the invitation has
// expired at now and so holds no seat, an email that meanwhile has another
// pending invitation or an active member (ErrExists) and a full workspace
// (*store.SeatError). ErrNotFound if there is no such invitation.
func (s *Store) ReopenInvitation(ctx context.Context, inv *store.Invitation, seats int, now time.Time) error {
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
	cur, err := ws.checkReopen(inv, seats, now)
	if err != nil {
		return err
	}
	cur.CodeHash, cur.ExpiresAt, cur.Mailed = inv.CodeHash, inv.ExpiresAt.UTC(), inv.Mailed
	if err := s.putInvitation(ws, cur); err != nil {
		return err
	}
	*inv = cur
	return nil
}

// checkReopen applies ReopenInvitation's checks and returns the stored
// invitation. The caller holds ws.write.
func (ws *wsState) checkReopen(inv *store.Invitation, seats int, now time.Time) (store.Invitation, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	old := ws.invitations[inv.ID]
	if old == nil {
		return store.Invitation{}, fmt.Errorf("embedded: invitation %q in workspace %q: %w", inv.ID, inv.WorkspaceID, store.ErrNotFound)
	}
	cur := *old
	if cur.Status != store.InvitationPending {
		return cur, fmt.Errorf("embedded: invitation %q is %s, not pending: %w", inv.ID, cur.Status, store.ErrConflict)
	}
	for _, other := range ws.invitations {
		if other.ID != cur.ID && other.CodeHash == inv.CodeHash {
			return cur, fmt.Errorf("embedded: code of invitation %q belongs to another: %w", inv.ID, store.ErrConflict)
		}
	}
	if cur.State(now) == store.InvitationPending {
		return cur, nil // still holds its seat
	}
	used := 0
	for _, ms := range ws.members {
		if ms.rec.Status != store.MemberActive {
			continue
		}
		if strings.EqualFold(ms.rec.Email, cur.Email) {
			return cur, fmt.Errorf("embedded: %q is already an active member of workspace %q: %w", cur.Email, cur.WorkspaceID, store.ErrExists)
		}
		used++
	}
	for _, other := range ws.invitations {
		if other.ID == cur.ID || other.State(now) != store.InvitationPending {
			continue
		}
		if strings.EqualFold(other.Email, cur.Email) {
			return cur, fmt.Errorf("embedded: %q already has another pending invitation to workspace %q: %w", cur.Email, cur.WorkspaceID, store.ErrExists)
		}
		used++
	}
	if seats > 0 && used >= seats {
		return cur, &store.SeatError{Limit: seats, Used: used}
	}
	return cur, nil
}

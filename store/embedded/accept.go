package embedded

import (
	"context"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// AcceptInvitation turns the pending, unexpired (at now) invitation of the
// workspace whose code hash is code into the active member m, with the Role,
// Email (when m has none) and WorkspaceID of the invitation, and the member
// token t, and marks the invitation accepted with AcceptedBy m.ID. Member,
// token and invitation are written in one bbolt transaction, under the
// workspace's write lock, and published in one step under its lock: no Admit
// or read sees part of it. It fills zero CreatedAt fields with now and an
// empty t.MemberID with m.ID.
//
// It returns a copy of the invitation; ErrNotFound for an unknown code;
// ErrConflict, with the invitation, when it is not pending or has expired;
// ErrExists when the account (or email) is already an active member, or the
// member id, token id or token hash is taken.
func (s *Store) AcceptInvitation(ctx context.Context, workspace string, code token.Hash, now time.Time, m *store.Member, t *store.Token) (*store.Invitation, error) {
	if m == nil || t == nil {
		return nil, invalid("accept invitation needs a member and a token")
	}
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	if err := ws.lockWrite(workspace); err != nil {
		return nil, err
	}
	defer ws.write.Unlock()
	inv, err := ws.invitationByCode(workspace, code, now)
	if err != nil {
		return inv, err
	}
	if err := prepareAccept(workspace, now, inv, m, t); err != nil {
		return nil, err
	}
	if err := ws.checkAccept(m, t); err != nil {
		return nil, err
	}
	inv.Status, inv.AcceptedBy = store.InvitationAccepted, m.ID
	mrec, trec, irec := *m, cloneToken(*t), *inv
	if err := s.update(func(tx *bolt.Tx) error {
		if err := putRecord(tx, workspace, bucketMembers, mrec.ID, &mrec); err != nil {
			return err
		}
		if err := putRecord(tx, workspace, bucketTokens, trec.ID, &trec); err != nil {
			return err
		}
		return putRecord(tx, workspace, bucketInvitations, irec.ID, &irec)
	}); err != nil {
		return nil, err
	}
	ws.mu.Lock()
	ws.publishMember(mrec)
	ws.addToken(trec)
	ws.invitations[irec.ID] = &irec
	ws.mu.Unlock()
	return inv, nil
}

// invitationByCode returns a copy of the workspace's invitation whose code
// hash is code: ErrNotFound if none, ErrConflict with the copy unless it is
// pending and unexpired at now. The caller holds ws.write.
func (ws *wsState) invitationByCode(workspace string, code token.Hash, now time.Time) (*store.Invitation, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, inv := range ws.invitations {
		if inv.CodeHash != code {
			continue
		}
		c := *inv
		if st := c.State(now); st != store.InvitationPending {
			return &c, fmt.Errorf("embedded: invitation %q is %s: %w", c.ID, st, store.ErrConflict)
		}
		return &c, nil
	}
	return nil, fmt.Errorf("embedded: invitation code in workspace %q: %w", workspace, store.ErrNotFound)
}

// prepareAccept fills m and t from the invitation and validates them.
func prepareAccept(workspace string, now time.Time, inv *store.Invitation, m *store.Member, t *store.Token) error {
	m.WorkspaceID, m.Role, m.Status, m.LastActive = workspace, inv.Role, store.MemberActive, time.Time{}
	if m.Email == "" {
		m.Email = inv.Email
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now.UTC()
	}
	if t.MemberID == "" {
		t.MemberID = m.ID
	}
	if t.Status == "" {
		t.Status = store.TokenActive
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now.UTC()
	}
	if err := validateMember(m); err != nil {
		return err
	}
	if err := validateToken(t); err != nil {
		return err
	}
	switch {
	case t.WorkspaceID != workspace:
		return invalid("token %q of workspace %q for an invitation to %q", t.ID, t.WorkspaceID, workspace)
	case t.Kind != token.Member:
		return invalid("token %q has kind %v; accepting an invitation makes a member token", t.ID, t.Kind)
	case t.MemberID != m.ID:
		return invalid("token %q names member %q, not the new member %q", t.ID, t.MemberID, m.ID)
	case t.Status != store.TokenActive:
		return invalid("token %q has status %q; want active", t.ID, t.Status)
	}
	return nil
}

// checkAccept refuses an account or email that is already an active member,
// a taken member id, and a taken token id or hash. The caller holds ws.write.
func (ws *wsState) checkAccept(m *store.Member, t *store.Token) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, ms := range ws.members {
		if ms.rec.Status != store.MemberActive {
			continue
		}
		if (m.AccountID != "" && ms.rec.AccountID == m.AccountID) || strings.EqualFold(ms.rec.Email, m.Email) {
			return fmt.Errorf("embedded: %q is already an active member of workspace %q: %w", m.Email, m.WorkspaceID, store.ErrExists)
		}
	}
	if ws.members[m.ID] != nil {
		return fmt.Errorf("embedded: member id %q: %w", m.ID, store.ErrExists)
	}
	if ws.tokens[t.ID] != nil {
		return fmt.Errorf("embedded: token id %q: %w", t.ID, store.ErrExists)
	}
	if ws.byHash[t.Hash] != nil {
		return fmt.Errorf("embedded: token hash of %q: %w", t.ID, store.ErrExists)
	}
	return nil
}

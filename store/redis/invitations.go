package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// CreateInvitation stores a pending invitation in one script that checks,
// at now, duplicates (pending unexpired invitation or active member with
// the email: ErrExists) and seats (*store.SeatError); see invitation_scripts.go.
func (s *Store) CreateInvitation(ctx context.Context, inv *store.Invitation, seats int, now time.Time) error {
	if err := checkInvitation(inv); err != nil {
		return err
	}
	ws := inv.WorkspaceID
	args := append([]any{inv.ID, strings.ToLower(inv.Email), ms(now), strconv.Itoa(seats)}, invitationFields(inv)...)
	v, err := createInvitationScript.run(ctx, s.c,
		[]string{wsKey(ws), invKey(ws, inv.ID), invitationsKey(ws), invCodeKey(ws, inv.CodeHash)}, args...).Int64Slice()
	if err != nil || len(v) == 0 {
		return fmt.Errorf("redisstore: create invitation: %w", errors.Join(err, errReplyIf(len(v) == 0)))
	}
	switch v[0] {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("redisstore: create invitation: workspace %s: %w", ws, store.ErrNotFound)
	case -2:
		if len(v) > 1 {
			return &store.SeatError{Limit: seats, Used: int(v[1])}
		}
	case -1:
		return fmt.Errorf("redisstore: invitation for %s: %w", inv.Email, store.ErrExists)
	}
	return fmt.Errorf("redisstore: create invitation: %w", errReply)
}

func errReplyIf(b bool) error {
	if b {
		return errReply
	}
	return nil
}

// GetInvitation returns the invitation, or ErrNotFound.
func (s *Store) GetInvitation(ctx context.Context, workspace, id string) (*store.Invitation, error) {
	if checkWorkspace(workspace) != nil || checkPart("invitation id", id) != nil {
		return nil, fmt.Errorf("redisstore: invitation %q: %w", id, store.ErrNotFound)
	}
	m, err := s.c.HGetAll(ctx, invKey(workspace, id)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get invitation: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: invitation %s: %w", id, store.ErrNotFound)
	}
	inv := decodeInvitation(workspace, m)
	return &inv, nil
}

// ListInvitations returns the workspace's invitations, any state, ordered by id.
func (s *Store) ListInvitations(ctx context.Context, workspace string) ([]store.Invitation, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	recs, err := s.list(ctx, "list invitations", invitationsKey(workspace), tag(workspace)+":inv:", "")
	if err != nil {
		return nil, err
	}
	out := make([]store.Invitation, len(recs))
	for i, m := range recs {
		out[i] = decodeInvitation(workspace, m)
	}
	slices.SortFunc(out, func(a, b store.Invitation) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateInvitation replaces the invitation if its stored status is from
// (ErrConflict otherwise, ErrNotFound if missing); a new code hash replaces
// the old one in the code index.
func (s *Store) UpdateInvitation(ctx context.Context, inv *store.Invitation, from store.InvitationStatus) error {
	if err := checkInvitation(inv); err != nil {
		return err
	}
	args := append([]any{string(from), inv.CodeHash.Hex()}, invitationFields(inv)...)
	return verdict("update invitation", updateInvitationScript.run(ctx, s.c,
		[]string{invKey(inv.WorkspaceID, inv.ID)}, args...))
}

func checkInvitation(inv *store.Invitation) error {
	if inv == nil {
		return errors.New("redisstore: nil invitation")
	}
	if err := checkWorkspace(inv.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("invitation id", inv.ID); err != nil {
		return err
	}
	if err := checkEmail(inv.Email); err != nil {
		return err
	}
	if inv.Role == "" {
		return errors.New("redisstore: invitation without a role")
	}
	return nil
}

func invitationFields(inv *store.Invitation) []any {
	return []any{"id", inv.ID, "email", inv.Email, "role", inv.Role, "code", inv.CodeHash.Hex(),
		"status", string(inv.Status), "by", inv.InvitedBy, "accepted_by", inv.AcceptedBy,
		"created", ms(inv.CreatedAt), "exp", ms(inv.ExpiresAt), "mailed", mailedFlag(inv.Mailed)}
}

// mailedFlag encodes Invitation.Mailed as the hash field "mailed".
func mailedFlag(mailed bool) string {
	if mailed {
		return "1"
	}
	return "0"
}

func decodeInvitation(ws string, m map[string]string) store.Invitation {
	inv := store.Invitation{ID: m["id"], WorkspaceID: ws, Email: m["email"], Role: m["role"],
		Status: store.InvitationStatus(m["status"]), InvitedBy: m["by"], AcceptedBy: m["accepted_by"],
		CreatedAt: fromMS(m["created"]), ExpiresAt: fromMS(m["exp"]), Mailed: m["mailed"] == "1"}
	_, _ = hex.Decode(inv.CodeHash[:], []byte(m["code"]))
	return inv
}

// AcceptInvitation turns the pending, unexpired invitation with code into
// the active member m (role from the invitation) with member token t, in one
// script; see invitation_scripts.go for its checks.
func (s *Store) AcceptInvitation(ctx context.Context, workspace string, code token.Hash, now time.Time, m *store.Member, t *store.Token) (*store.Invitation, error) {
	if err := checkAcceptance(workspace, m, t); err != nil {
		return nil, err
	}
	if m.AccountID != "" {
		if err := s.c.SAdd(ctx, acctWorkspaces(m.AccountID), workspace).Err(); err != nil {
			return nil, fmt.Errorf("redisstore: accept invitation: %w", err)
		}
	}
	mf := memberFields(m)
	args := append([]any{ms(now), m.ID, m.AccountID, t.ID, t.Hash.Hex(), strconv.Itoa(len(mf))}, mf...)
	v, err := acceptInvitationScript.run(ctx, s.c, []string{invCodeKey(workspace, code)},
		append(args, tokenFields(t)...)...).Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: accept invitation: %w", err)
	}
	n, _ := v[0].(int64)
	if n == 0 {
		return nil, fmt.Errorf("redisstore: invitation code: %w", store.ErrNotFound)
	}
	var inv store.Invitation
	if len(v) > 1 {
		f, err := fields(v[1])
		if err != nil {
			return nil, fmt.Errorf("redisstore: accept invitation: %w", err)
		}
		inv = decodeInvitation(workspace, f)
	}
	switch n {
	case 1:
		m.Role, m.Status = inv.Role, store.MemberActive
		return &inv, nil
	case -1:
		return &inv, fmt.Errorf("redisstore: accept invitation: account or member already present: %w", store.ErrExists)
	case -3:
		return &inv, fmt.Errorf("redisstore: invitation is %s: %w", inv.State(now), store.ErrConflict)
	}
	return nil, fmt.Errorf("redisstore: accept invitation: %w", errReply)
}

func checkAcceptance(ws string, m *store.Member, t *store.Token) error {
	if m == nil || t == nil {
		return errors.New("redisstore: accept invitation: nil member or token")
	}
	if err := checkWorkspace(ws); err != nil {
		return err
	}
	if m.WorkspaceID != ws || t.WorkspaceID != ws {
		return fmt.Errorf("redisstore: accept invitation: member and token must be in workspace %s", ws)
	}
	if t.Kind != token.Member || t.MemberID != m.ID {
		return errors.New("redisstore: accept invitation: the token must be a member token of the new member")
	}
	if err := checkPart("member id", m.ID); err != nil {
		return err
	}
	if m.AccountID != "" {
		if err := checkPart("account id", m.AccountID); err != nil {
			return err
		}
	}
	if err := checkLimits(m.RPM); err != nil {
		return err
	}
	return checkToken(t)
}

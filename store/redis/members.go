package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// PutMember creates or replaces m; ErrNotFound if its workspace does not
// exist. A status other than active refuses the member's tokens at once.
// Replacing a stored member is ErrConflict when it would change whether the
// member is the owner (only TransferOwnership moves ownership) or make a
// removed member active; the check and the write are one script, which
// also publishes the member on RevocationChannel when the write turns it
// from active and not a reader into removed or a reader.
func (s *Store) PutMember(ctx context.Context, m *store.Member) error {
	if m == nil {
		return errors.New("redisstore: nil member")
	}
	if err := checkWorkspace(m.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("member id", m.ID); err != nil {
		return err
	}
	if err := checkLimits(m.RPM); err != nil {
		return err
	}
	if err := nonNegative("member limit", m.TPM, m.Monthly); err != nil {
		return err
	}
	if m.AccountID != "" {
		if err := checkPart("account id", m.AccountID); err != nil {
			return err
		}
		// Index first, as CreateWorkspace does: ListMemberships skips a
		// workspace that holds no member of the account.
		if err := s.c.SAdd(ctx, acctWorkspaces(m.AccountID), m.WorkspaceID).Err(); err != nil {
			return fmt.Errorf("redisstore: put member: %w", err)
		}
	}
	ws := m.WorkspaceID
	args := append([]any{m.ID, m.Role, string(m.Status)}, publishArgs(store.Revocation{Workspace: ws, MemberID: m.ID})...)
	args = append(args, memberFields(m)...)
	err := verdict("put member", putMemberScript.run(ctx, s.c,
		[]string{wsKey(ws), memKey(ws, m.ID), membersKey(ws)}, args...))
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("redisstore: member %q: an owner's role changes, and a member becomes owner, only by ownership transfer; a removed member stays removed: %w", m.ID, store.ErrConflict)
	}
	return err
}

// memberFields returns the member's hash fields as script arguments. Every
// field but last (written only by Admit) is always present, so a replace
// needs no DEL and keeps last.
func memberFields(m *store.Member) []any {
	return []any{"id", m.ID, "email", m.Email, "role", m.Role, "status", string(m.Status),
		"rpm", itoa(m.RPM), "tpm", itoa(m.TPM), "mc", itoa(m.Monthly), "account", m.AccountID, "created", ms(m.CreatedAt)}
}

// GetMember returns the member, or ErrNotFound.
func (s *Store) GetMember(ctx context.Context, workspace, id string) (*store.Member, error) {
	if checkWorkspace(workspace) != nil || checkPart("member id", id) != nil {
		return nil, fmt.Errorf("redisstore: member %q: %w", id, store.ErrNotFound)
	}
	m, err := s.c.HGetAll(ctx, memKey(workspace, id)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get member: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: member %s: %w", id, store.ErrNotFound)
	}
	r := decodeMember(workspace, m)
	return &r, nil
}

// ListMembers returns the workspace's members ordered by id.
func (s *Store) ListMembers(ctx context.Context, workspace string) ([]store.Member, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	recs, err := s.list(ctx, "list members", membersKey(workspace), tag(workspace)+":mem:", "")
	if err != nil {
		return nil, err
	}
	out := make([]store.Member, len(recs))
	for i, m := range recs {
		out[i] = decodeMember(workspace, m)
	}
	slices.SortFunc(out, func(a, b store.Member) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func decodeMember(ws string, m map[string]string) store.Member {
	return store.Member{ID: m["id"], WorkspaceID: ws, Email: m["email"], Role: m["role"],
		Status: store.MemberStatus(m["status"]), RPM: i64(m["rpm"]), TPM: i64(m["tpm"]), Monthly: i64(m["mc"]),
		AccountID: m["account"],
		CreatedAt: fromMS(m["created"]), LastActive: fromMS(m["last"])}
}

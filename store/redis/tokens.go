package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// CreateToken stores t by its hash; ErrExists if the id or hash is taken,
// ErrNotFound if the workspace does not exist.
func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	if err := checkToken(t); err != nil {
		return err
	}
	ws, h := t.WorkspaceID, t.Hash.Hex()
	return verdict("create token", createTokenScript.run(ctx, s.c,
		[]string{wsKey(ws), tokKey(ws, t.Hash), tokIDKey(ws, t.ID), tokensKey(ws)},
		append([]any{t.ID, h}, tokenFields(t)...)...))
}

// tokenFields returns the token's hash fields as script arguments; used
// (LastUsed) is written only by Admit.
func tokenFields(t *store.Token) []any {
	ups := ""
	if len(t.Upstreams) > 0 {
		ups = "," + strings.Join(t.Upstreams, ",") + ","
	}
	f := []any{"id", t.ID, "kind", itoa(int64(t.Kind)), "member", t.MemberID, "status", string(t.Status),
		"ups", ups, "exp", ms(t.ExpiresAt), "hash", t.Hash.Hex(), "display", t.Display,
		"name", t.Name, "created", ms(t.CreatedAt)}
	return append(f, tokenLimitFields(limitsOf(t))...)
}

// limitsOf returns the limits of t.
func limitsOf(t *store.Token) store.TokenLimits {
	return store.TokenLimits{RPM: t.RPM, TPM: t.TPM, Monthly: t.Monthly, ModelRPM: t.ModelRPM, ModelLimits: t.ModelLimits}
}

func checkToken(t *store.Token) error {
	if t == nil {
		return errors.New("redisstore: nil token")
	}
	if err := checkWorkspace(t.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("token id", t.ID); err != nil {
		return err
	}
	if err := checkPart("member id", t.MemberID); err != nil {
		return err
	}
	if t.Kind != token.Member && t.Kind != token.Key {
		return fmt.Errorf("redisstore: invalid token kind %d: want member or key", t.Kind)
	}
	for _, u := range t.Upstreams {
		if err := checkPart("upstream name", u); err != nil {
			return err
		}
	}
	return checkTokenLimits(t.ID, limitsOf(t))
}

// GetToken returns the token record, or ErrNotFound.
func (s *Store) GetToken(ctx context.Context, workspace, id string) (*store.Token, error) {
	if checkWorkspace(workspace) != nil || checkPart("token id", id) != nil {
		return nil, fmt.Errorf("redisstore: token %q: %w", id, store.ErrNotFound)
	}
	v, err := getTokenScript.run(ctx, s.c, []string{tokIDKey(workspace, id)}).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get token: %w", err)
	}
	m, err := fields(v)
	if err != nil {
		return nil, fmt.Errorf("redisstore: get token: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: token %s: %w", id, store.ErrNotFound)
	}
	t := decodeToken(workspace, m)
	return &t, nil
}

// ListTokens returns the workspace's tokens ordered by id.
func (s *Store) ListTokens(ctx context.Context, workspace string) ([]store.Token, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	recs, err := s.list(ctx, "list tokens", tokensKey(workspace), tag(workspace)+":tokid:", tag(workspace)+":tok:")
	if err != nil {
		return nil, err
	}
	out := make([]store.Token, len(recs))
	for i, m := range recs {
		out[i] = decodeToken(workspace, m)
	}
	slices.SortFunc(out, func(a, b store.Token) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// RevokeToken marks the token revoked; the next Admit refuses it. The same
// script publishes the token on RevocationChannel, on every successful
// call (a repeat closes streams a lost message left open).
func (s *Store) RevokeToken(ctx context.Context, workspace, id string) error {
	if checkWorkspace(workspace) != nil || checkPart("token id", id) != nil {
		return fmt.Errorf("redisstore: token %q: %w", id, store.ErrNotFound)
	}
	return verdict("revoke token", revokeTokenScript.run(ctx, s.c, []string{tokIDKey(workspace, id)},
		publishArgs(store.Revocation{Workspace: workspace, TokenID: id})...))
}

// GetTokenByHash returns the workspace's token with hash h, read from Redis
// (no cache), or ErrNotFound.
func (s *Store) GetTokenByHash(ctx context.Context, workspace string, h token.Hash) (*store.Token, error) {
	if checkWorkspace(workspace) != nil {
		return nil, fmt.Errorf("redisstore: token by hash: %w", store.ErrNotFound)
	}
	m, err := s.c.HGetAll(ctx, tokKey(workspace, h)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get token by hash: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: token by hash: %w", store.ErrNotFound)
	}
	t := decodeToken(workspace, m)
	return &t, nil
}

func decodeToken(ws string, m map[string]string) store.Token {
	t := store.Token{ID: m["id"], WorkspaceID: ws, Kind: token.Kind(i64(m["kind"])), Display: m["display"],
		MemberID: m["member"], Name: m["name"], Status: store.TokenStatus(m["status"]), RPM: i64(m["rpm"]),
		ExpiresAt: fromMS(m["exp"]), CreatedAt: fromMS(m["created"]), LastUsed: fromMS(m["used"])}
	_, _ = hex.Decode(t.Hash[:], []byte(m["hash"]))
	if ups := strings.Trim(m["ups"], ","); ups != "" {
		t.Upstreams = strings.Split(ups, ",")
	}
	t.ModelRPM, t.ModelLimits = decodeModelRPM(m["mrpm"]), decodeModelLimits(m["ml"])
	t.TPM, t.Monthly = i64(m["tpm"]), i64(m["mc"])
	return t
}

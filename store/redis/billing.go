package redisstore

import (
	"context"
	"fmt"

	"github.com/tollgate-dev/tollgate/store"
)

// SetBilling replaces the workspace's billing settings; the next Admit
// and Settle read them. ErrNotFound if the workspace does not exist.
func (s *Store) SetBilling(ctx context.Context, workspace string, b store.Billing) error {
	if err := checkWorkspace(workspace); err != nil {
		return fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	}
	if err := checkBilling(b); err != nil {
		return err
	}
	return verdict("set billing", setFieldsScript.run(ctx, s.c, []string{wsKey(workspace)}, billingFields(b)...))
}

// updateTokenLimitsScript: KEYS tokid; ARGV field, value, .... The token
// key {w:W}:tok:<hash> is derived from the tag of KEYS[1] (same slot).
var updateTokenLimitsScript = newScript(`
local h = redis.call('GET', KEYS[1])
if not h then return 0 end
local tag = string.sub(KEYS[1], 1, string.find(KEYS[1], '}', 1, true))
redis.call('HSET', tag .. ':tok:' .. h, unpack(ARGV))
return 1`)

// UpdateTokenLimits replaces the limits of an existing token in one
// script; the next Admit reads them. ErrNotFound when the token does not
// exist.
func (s *Store) UpdateTokenLimits(ctx context.Context, workspace, id string, l store.TokenLimits) error {
	if checkWorkspace(workspace) != nil || checkPart("token id", id) != nil {
		return fmt.Errorf("redisstore: token %q: %w", id, store.ErrNotFound)
	}
	if err := checkTokenLimits(id, l); err != nil {
		return err
	}
	return verdict("update token limits", updateTokenLimitsScript.run(ctx, s.c, []string{tokIDKey(workspace, id)},
		tokenLimitFields(l)...))
}

package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// redeemScript marks a voucher redeemed by a workspace, atomically on the
// voucher's keys. KEYS {tg:v}:h:<hash>; ARGV workspace, now (ms, "" reads
// TIME). Reply {0} unknown, {-2} expired, {-4} redeemed by another
// workspace, else {1, id, amount, note} — also when this workspace marked
// it before, so a retry finishes a redeem whose credit did not happen.
var redeemScript = newScript(`
local id = redis.call('GET', KEYS[1])
if not id then return {0} end
local k = '{tg:v}:v:' .. id
local v = redis.call('HMGET', k, 'amount', 'exp', 'by', 'note')
if not v[1] then return {0} end
if v[3] and v[3] ~= '' then
  if v[3] ~= ARGV[1] then return {-4} end
  return {1, id, v[1], v[4] or ''}
end
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local exp = tonumber(v[2] or '0') or 0
if exp > 0 and now >= exp then return {-2} end
redis.call('HSET', k, 'by', ARGV[1], 'at', string.format('%d', now))
return {1, id, v[1], v[4] or ''}`)

// RedeemVoucher redeems the voucher with code hash h into workspace: it
// marks the voucher first (redeemScript), then credits the workspace with
// the voucher's ID as the transaction's, so a retry after a failure in
// between credits once. The voucher and the workspace live in different
// slots, hence two scripts. See store.Money for the errors.
func (s *Store) RedeemVoucher(ctx context.Context, workspace string, h token.Hash, actor string) (*store.Transaction, store.CreditAlerts, error) {
	var none store.CreditAlerts
	if checkWorkspace(workspace) != nil {
		return nil, none, fmt.Errorf("redisstore: redeem voucher: workspace %q: %w", workspace, store.ErrNotFound)
	}
	n, err := s.c.Exists(ctx, wsKey(workspace)).Result()
	if err != nil {
		return nil, none, fmt.Errorf("redisstore: redeem voucher: %w", err)
	}
	if n == 0 {
		return nil, none, fmt.Errorf("redisstore: redeem voucher: workspace %s: %w", workspace, store.ErrNotFound)
	}
	now := ""
	if s.now != nil {
		now = ms(s.now())
	}
	v, err := redeemScript.run(ctx, s.c, []string{voucherHashKey(h)}, workspace, now).Slice()
	if err != nil || len(v) == 0 {
		return nil, none, fmt.Errorf("redisstore: redeem voucher: %w", errors.Join(err, errReplyIf(len(v) == 0)))
	}
	switch code, _ := v[0].(int64); {
	case code == 0:
		return nil, none, fmt.Errorf("redisstore: redeem voucher: %w", store.ErrNotFound)
	case code == -2:
		return nil, none, fmt.Errorf("redisstore: redeem voucher: %w", store.ErrVoucherExpired)
	case code == -4:
		return nil, none, fmt.Errorf("redisstore: redeem voucher: %w", store.ErrVoucherUsed)
	case code != 1 || len(v) != 4:
		return nil, none, fmt.Errorf("redisstore: redeem voucher: %w", errReply)
	}
	id, _ := v[1].(string)
	amount, _ := v[2].(string)
	note, _ := v[3].(string)
	tx := &store.Transaction{ID: id, Kind: store.TxVoucher, Amount: i64(amount), Actor: actor, Note: note, Voucher: id}
	al, err := s.credit(ctx, "redeem voucher", workspace, tx)
	if errors.Is(err, store.ErrExists) {
		return nil, none, fmt.Errorf("redisstore: redeem voucher %s: %w", id, store.ErrVoucherUsed)
	}
	if err != nil {
		return nil, none, err
	}
	return tx, al, nil
}

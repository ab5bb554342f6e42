package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Vouchers are global, outside every workspace: {tg:v}:v:<id> is a hash
// (id, hash, amount, note, exp and created in ms, by, at in ms),
// {tg:v}:h:<sha256hex> the id of a code, {tg:v}:all the ids scored by
// creation. They are kept: an operator's record of money given.

// createVoucherScript: KEYS v, h, all; ARGV id, created ms, field, value, ...
var createVoucherScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1`)

// CreateVoucher stores v by the hash of its code. ErrExists if its ID or
// hash is taken.
func (s *Store) CreateVoucher(ctx context.Context, v *store.Voucher) error {
	if v == nil {
		return errors.New("redisstore: nil voucher")
	}
	if err := checkPart("voucher id", v.ID); err != nil {
		return err
	}
	if v.Amount <= 0 {
		return fmt.Errorf("redisstore: voucher %s: amount %d µc: want a positive amount", v.ID, v.Amount)
	}
	if v.Hash == (token.Hash{}) {
		return fmt.Errorf("redisstore: voucher %s: no code hash", v.ID)
	}
	return verdict("create voucher", createVoucherScript.run(ctx, s.c,
		[]string{voucherKey(v.ID), voucherHashKey(v.Hash), vouchersKey}, v.ID, ms(v.CreatedAt),
		"id", v.ID, "hash", v.Hash.Hex(), "amount", itoa(v.Amount), "note", v.Note, "exp", ms(v.ExpiresAt),
		"created", ms(v.CreatedAt), "by", v.RedeemedBy, "at", ms(v.RedeemedAt)))
}

// listVouchersScript: KEYS all. Reply one {field, value, ...} per voucher,
// newest first.
var listVouchersScript = newScript(`
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local r = redis.call('HGETALL', '{tg:v}:v:' .. id)
  if #r > 0 then out[#out + 1] = r end
end
return out`)

// ListVouchers returns every voucher, newest first (equal times by id,
// descending).
func (s *Store) ListVouchers(ctx context.Context) ([]store.Voucher, error) {
	recs, err := s.list2(ctx, "list vouchers", listVouchersScript, vouchersKey)
	if err != nil {
		return nil, err
	}
	out := make([]store.Voucher, len(recs))
	for i, m := range recs {
		out[i] = decodeVoucher(m)
	}
	slices.SortStableFunc(out, func(a, b store.Voucher) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

func decodeVoucher(m map[string]string) store.Voucher {
	v := store.Voucher{ID: m["id"], Amount: i64(m["amount"]), Note: m["note"], ExpiresAt: fromMS(m["exp"]),
		CreatedAt: fromMS(m["created"]), RedeemedBy: m["by"], RedeemedAt: fromMS(m["at"])}
	_, _ = hex.Decode(v.Hash[:], []byte(m["hash"]))
	return v
}

// list2 runs a script on one key whose reply is a list of {field, value,
// ...} records.
func (s *Store) list2(ctx context.Context, op string, sc *script, key string) ([]map[string]string, error) {
	v, err := sc.run(ctx, s.c, []string{key}).Slice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: %s: %w", op, err)
	}
	out := make([]map[string]string, 0, len(v))
	for _, r := range v {
		m, err := fields(r)
		if err != nil {
			return nil, fmt.Errorf("redisstore: %s: %w", op, err)
		}
		out = append(out, m)
	}
	return out, nil
}

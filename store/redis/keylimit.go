package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// createKeyScript stores a workspace key as createTokenScript does, after
// counting the workspace's active, unexpired keys in the same script, so
// the count and the write are one atomic step on the workspace's tag.
// KEYS ws, tok, tokid, tokens; ARGV id, hash hex, now ms ("" reads TIME),
// max active (<= 0 unlimited), key kind, field, value, ... Reply {1} stored,
// {0} no workspace, {-1} id or hash taken, {-2, active} limit reached.
var createKeyScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return {-1} end
local now, max, kind = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if max > 0 then
  local tag = string.sub(KEYS[1], 1, -4)
  local active = 0
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    local h = redis.call('GET', tag .. ':tokid:' .. id)
    if h then
      local v = redis.call('HMGET', tag .. ':tok:' .. h, 'kind', 'status', 'exp')
      local exp = tonumber(v[3] or '0') or 0
      if v[1] == kind and v[2] == 'active' and (exp == 0 or exp > now) then active = active + 1 end
    end
  end
  if active >= max then return {-2, active} end
end
redis.call('HSET', KEYS[2], unpack(ARGV, 6))
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
return {1}`)

// CreateKey stores the workspace key t unless the workspace's active,
// unexpired keys already number maxActive (*store.KeyLimitError; <= 0 is
// unlimited), in one script. Expiry is judged at Options.Now or Redis TIME.
func (s *Store) CreateKey(ctx context.Context, t *store.Token, maxActive int) error {
	if err := checkToken(t); err != nil {
		return err
	}
	if t.Kind != token.Key {
		return fmt.Errorf("redisstore: create key: token %q has kind %s; want a workspace key", t.ID, t.Kind)
	}
	now := ""
	if s.now != nil {
		now = ms(s.now())
	}
	ws := t.WorkspaceID
	args := append([]any{t.ID, t.Hash.Hex(), now, strconv.Itoa(maxActive), itoa(int64(token.Key))}, tokenFields(t)...)
	v, err := createKeyScript.run(ctx, s.c, []string{wsKey(ws), tokKey(ws, t.Hash), tokIDKey(ws, t.ID), tokensKey(ws)},
		args...).Int64Slice()
	if err != nil || len(v) == 0 {
		return fmt.Errorf("redisstore: create key: %w", errors.Join(err, errReplyIf(len(v) == 0)))
	}
	switch {
	case v[0] == 1:
		return nil
	case v[0] == 0:
		return fmt.Errorf("redisstore: create key: workspace %s: %w", ws, store.ErrNotFound)
	case v[0] == -1:
		return fmt.Errorf("redisstore: create key %s: %w", t.ID, store.ErrExists)
	case v[0] == -2 && len(v) > 1:
		return &store.KeyLimitError{Limit: maxActive, Active: int(v[1])}
	}
	return fmt.Errorf("redisstore: create key: %w", errReply)
}

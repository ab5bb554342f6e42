package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/tollgate-dev/tollgate/store"
)

// UpdateWorkspace replaces the workspace's Name, Personal and Plan; its
// limits stay. ErrNotFound if it does not exist.
func (s *Store) UpdateWorkspace(ctx context.Context, w *store.Workspace) error {
	if w == nil {
		return errors.New("redisstore: nil workspace")
	}
	if err := checkWorkspace(w.ID); err != nil {
		return fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	}
	return verdict("update workspace", updateWorkspaceScript.run(ctx, s.c, []string{wsKey(w.ID)},
		w.Name, flag(w.Personal), w.Plan))
}

// DeleteWorkspace deletes every key of the workspace in one script, so its
// tokens are Unknown to the very next Admit, and publishes the workspace on
// RevocationChannel from that script; then it drops it from the global
// index and from its members' accounts. ErrNotFound if it does not exist.
func (s *Store) DeleteWorkspace(ctx context.Context, id string) error {
	if err := checkWorkspace(id); err != nil {
		return fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	}
	v, err := deleteWorkspaceScript.run(ctx, s.c, []string{wsKey(id)},
		publishArgs(store.Revocation{Workspace: id})...).StringSlice()
	if err != nil {
		return fmt.Errorf("redisstore: delete workspace: %w", err)
	}
	if len(v) == 0 || v[0] != "1" {
		return fmt.Errorf("redisstore: workspace %s: %w", id, store.ErrNotFound)
	}
	if err := s.c.SRem(ctx, globalWorkspaces, id).Err(); err != nil {
		return fmt.Errorf("redisstore: delete workspace: %w", err)
	}
	for _, acct := range v[1:] {
		if err := s.c.SRem(ctx, acctWorkspaces(acct), id).Err(); err != nil {
			return fmt.Errorf("redisstore: delete workspace: %w", err)
		}
	}
	return nil
}

// deleteWorkspaceScript deletes every key of the tag of KEYS[1] ({w:W}:ws),
// reached through the index sets, money included (the balance, ledger,
// holds, roll-ups, audit stream, webhooks and deliveries), and the tool
// policies, then PUBLISHes ARGV[2] on channel ARGV[1] (the revocation of
// the whole workspace). Keys it cannot
// reach (per-model rate counters, a period's spend counters, settled
// markers) expire on their own. Reply {"0"} when the workspace does not
// exist, else {"1", account id of each member, ...}.
var deleteWorkspaceScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local tag = string.sub(KEYS[1], 1, -4)
local del = {KEYS[1], tag .. ':members', tag .. ':tokens', tag .. ':upstreams', tag .. ':invitations',
  tag .. ':audit', tag .. ':audit:e', tag .. ':rl:w', tag .. ':rl:wt', tag .. ':credits', tag .. ':holds',
  tag .. ':holds:d', tag .. ':ledger', tag .. ':ledger:e', tag .. ':ledger:u', tag .. ':use:h', tag .. ':req',
  tag .. ':webhooks', tag .. ':dlv', tag .. ':dlv:e', tag .. ':tools'}
local out = {'1'}
for _, id in ipairs(redis.call('SMEMBERS', tag .. ':members')) do
  local a = redis.call('HGET', tag .. ':mem:' .. id, 'account')
  if a and a ~= '' then out[#out + 1] = a end
  del[#del + 1] = tag .. ':mem:' .. id
  del[#del + 1] = tag .. ':rl:m:' .. id
  del[#del + 1] = tag .. ':rl:mt:' .. id
end
for _, id in ipairs(redis.call('SMEMBERS', tag .. ':tokens')) do
  local h = redis.call('GET', tag .. ':tokid:' .. id)
  if h then del[#del + 1] = tag .. ':tok:' .. h end
  del[#del + 1] = tag .. ':tokid:' .. id
  del[#del + 1] = tag .. ':rl:k:' .. id
  del[#del + 1] = tag .. ':rl:kt:' .. id
end
for _, h in ipairs(redis.call('ZRANGE', tag .. ':use:h', 0, -1)) do
  del[#del + 1] = tag .. ':use:' .. h
end
for _, name in ipairs(redis.call('SMEMBERS', tag .. ':upstreams')) do
  del[#del + 1] = tag .. ':up:' .. name
end
for _, id in ipairs(redis.call('SMEMBERS', tag .. ':invitations')) do
  local c = redis.call('HGET', tag .. ':inv:' .. id, 'code')
  if c then del[#del + 1] = tag .. ':invcode:' .. c end
  del[#del + 1] = tag .. ':inv:' .. id
end
for i = 1, #del, 500 do
  redis.call('DEL', unpack(del, i, math.min(i + 499, #del)))
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return out`)

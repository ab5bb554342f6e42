package redisstore

import (
	"context"
	"fmt"

	"github.com/tollgate-dev/tollgate/store"
)

// transferOwnershipScript: KEYS ws, from member, to member. Reply 1 done, 0
// a record missing, -3 from is not the active owner or to not an active admin.
var transferOwnershipScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if KEYS[2] == KEYS[3] then return -3 end
local a = redis.call('HMGET', KEYS[2], 'status', 'role')
local b = redis.call('HMGET', KEYS[3], 'status', 'role')
if a[1] ~= 'active' or a[2] ~= 'owner' or b[1] ~= 'active' or b[2] ~= 'admin' then return -3 end
redis.call('HSET', KEYS[2], 'role', 'admin')
redis.call('HSET', KEYS[3], 'role', 'owner')
return 1`)

// TransferOwnership makes member to the owner and member from an admin in
// one script on the workspace's tag; see store.Teams.
func (s *Store) TransferOwnership(ctx context.Context, workspace, from, to string) error {
	if checkWorkspace(workspace) != nil || checkPart("member id", from) != nil || checkPart("member id", to) != nil {
		return fmt.Errorf("redisstore: transfer ownership %q -> %q: %w", from, to, store.ErrNotFound)
	}
	return verdict("transfer ownership", transferOwnershipScript.run(ctx, s.c,
		[]string{wsKey(workspace), memKey(workspace, from), memKey(workspace, to)}))
}

package redisstore

import (
	"context"
	"errors"

	"github.com/tollgate-dev/tollgate/store"
)

// updateUpstreamScript replaces an upstream only if it exists, keeps it
// indexed and bumps the upstream revision, all in one step on the
// workspace's slot, so it never recreates an upstream deleted or moved away
// meanwhile. An empty created argument keeps the stored creation time.
// KEYS ws, up, upstreams; ARGV name, created ms or "", field, value, ....
var updateUpstreamScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local created = redis.call('HGET', KEYS[2], 'created')
if not created then return 0 end
if ARGV[2] ~= '' then created = ARGV[2] end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'created', created, unpack(ARGV, 3))
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'uprev', 1)
return 1`)

// UpdateUpstream replaces u's stored upstream and bumps the upstream
// revision; ErrNotFound if the workspace has no upstream of that name or
// does not exist. A zero u.CreatedAt keeps the stored one.
func (s *Store) UpdateUpstream(ctx context.Context, u *store.Upstream) error {
	if u == nil {
		return errors.New("redisstore: nil upstream")
	}
	if err := checkWorkspace(u.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("upstream name", u.Name); err != nil {
		return err
	}
	created := ""
	if !u.CreatedAt.IsZero() {
		created = ms(u.CreatedAt)
	}
	ws := u.WorkspaceID
	return verdict("update upstream", updateUpstreamScript.run(ctx, s.c,
		[]string{wsKey(ws), upKey(ws, u.Name), upstreamsKey(ws)}, u.Name, created,
		"name", u.Name, "base_url", u.BaseURL, "kind", u.Kind, "auth_header", u.AuthHeader,
		"auth_scheme", u.AuthScheme, "credential", u.Credential))
}

package redisstore

import (
	"context"
	"errors"

	"github.com/tollgate-dev/tollgate/store"
)

// createUpstreamScript stores an upstream only if its name is free, indexes
// it and bumps the upstream revision, all in one step on the workspace's
// slot. KEYS ws, up, upstreams; ARGV name, field, value, ....
var createUpstreamScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'uprev', 1)
return 1`)

// CreateUpstream stores u if its workspace has no upstream of that name and
// bumps the upstream revision; ErrExists if the name is taken, ErrNotFound
// if the workspace does not exist.
func (s *Store) CreateUpstream(ctx context.Context, u *store.Upstream) error {
	if u == nil {
		return errors.New("redisstore: nil upstream")
	}
	if err := checkWorkspace(u.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("upstream name", u.Name); err != nil {
		return err
	}
	ws := u.WorkspaceID
	return verdict("create upstream", createUpstreamScript.run(ctx, s.c,
		[]string{wsKey(ws), upKey(ws, u.Name), upstreamsKey(ws)}, u.Name,
		"name", u.Name, "base_url", u.BaseURL, "kind", u.Kind, "auth_header", u.AuthHeader,
		"auth_scheme", u.AuthScheme, "credential", u.Credential, "created", ms(u.CreatedAt)))
}

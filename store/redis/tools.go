package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// toolsKey is the hash of a workspace's tool policies: field
// "<upstream> <scope>" (policyField), value the policy's JSON.
func toolsKey(ws string) string { return tag(ws) + ":tools" }

// policyField is the field of a policy in toolsKey. Upstream names hold no
// space (checkPart), so it is unique.
func policyField(upstream, scope string) string { return upstream + " " + scope }

// putToolPolicyScript: KEYS ws, tools; ARGV field, json. Writes the policy
// and bumps uprev in one step; 0 without the workspace.
var putToolPolicyScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'uprev', 1)
return 1`)

// deleteToolPolicyScript: KEYS ws, tools; ARGV field. 0, with no bump,
// when the policy (or the workspace) does not exist.
var deleteToolPolicyScript = newScript(`
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'uprev', 1)
return 1`)

// toolPoliciesScript: KEYS ws, tools. Reply {"0"} without the workspace,
// else {"1", json, ...}.
var toolPoliciesScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local out = redis.call('HVALS', KEYS[2])
table.insert(out, 1, '1')
return out`)

// PutToolPolicy creates or replaces the policy of (p.WorkspaceID,
// p.Upstream, p.Scope) and bumps the upstream revision in one script on the
// workspace's tag. p.UpdatedAt is stored as given. ErrNotFound if the
// workspace does not exist.
func (s *Store) PutToolPolicy(ctx context.Context, p *store.ToolPolicy) error {
	if err := checkToolPolicy(p); err != nil {
		return err
	}
	j, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redisstore: put tool policy: %w", err)
	}
	ws := p.WorkspaceID
	return verdict("put tool policy", putToolPolicyScript.run(ctx, s.c,
		[]string{wsKey(ws), toolsKey(ws)}, policyField(p.Upstream, p.Scope), j))
}

// DeleteToolPolicy removes one policy and bumps the upstream revision in
// one script; ErrNotFound, with no bump, when absent.
func (s *Store) DeleteToolPolicy(ctx context.Context, workspace, upstream, scope string) error {
	if checkWorkspace(workspace) != nil || checkPart("upstream name", upstream) != nil || checkPolicyScope(scope) != nil {
		return fmt.Errorf("redisstore: tool policy %q scope %q: %w", upstream, scope, store.ErrNotFound)
	}
	return verdict("delete tool policy", deleteToolPolicyScript.run(ctx, s.c,
		[]string{wsKey(workspace), toolsKey(workspace)}, policyField(upstream, scope)))
}

// ToolPolicies returns the workspace's policies on upstream (every
// upstream's when upstream is ""), ordered by upstream then scope.
// ErrNotFound if the workspace does not exist.
func (s *Store) ToolPolicies(ctx context.Context, workspace, upstream string) ([]store.ToolPolicy, error) {
	if checkWorkspace(workspace) != nil {
		return nil, fmt.Errorf("redisstore: tool policies: workspace %q: %w", workspace, store.ErrNotFound)
	}
	v, err := found(toolPoliciesScript.run(ctx, s.c, []string{wsKey(workspace), toolsKey(workspace)}).StringSlice())
	if err != nil {
		return nil, fmt.Errorf("redisstore: tool policies: workspace %s: %w", workspace, err)
	}
	out := make([]store.ToolPolicy, 0, len(v))
	for _, j := range v {
		var p store.ToolPolicy
		if err := json.Unmarshal([]byte(j), &p); err != nil {
			return nil, fmt.Errorf("redisstore: tool policies: %w", err)
		}
		if upstream == "" || p.Upstream == upstream {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b store.ToolPolicy) int {
		return cmp.Or(strings.Compare(a.Upstream, b.Upstream), strings.Compare(a.Scope, b.Scope))
	})
	return out, nil
}

// checkToolPolicy checks the fields the store keys by; the globs are the
// admin API's to check, and the upstream need not exist.
func checkToolPolicy(p *store.ToolPolicy) error {
	if p == nil {
		return errors.New("redisstore: nil tool policy")
	}
	if err := checkWorkspace(p.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("upstream name", p.Upstream); err != nil {
		return err
	}
	return checkPolicyScope(p.Scope)
}

// checkPolicyScope accepts store.PolicyAll, "role:<role>" and
// "key:<token id>", the name a valid key part.
func checkPolicyScope(scope string) error {
	if scope == store.PolicyAll {
		return nil
	}
	for _, prefix := range []string{store.PolicyRolePrefix, store.PolicyKeyPrefix} {
		if name, ok := strings.CutPrefix(scope, prefix); ok {
			if err := checkPart("tool policy scope name", name); err != nil {
				return err
			}
			return nil
		}
	}
	return fmt.Errorf("redisstore: invalid tool policy scope %q: want \"\", \"role:<role>\" or \"key:<token id>\"", scope)
}

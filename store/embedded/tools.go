package embedded

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// bucketToolPolicies is the child bucket of a workspace that holds its tool
// policies, keyed by policyKey and created on first write, so older files
// open unchanged.
var bucketToolPolicies = []byte("tool_policies")

// policyKey is the key of a tool policy in memory and on disk: upstream
// names hold no NUL byte, so "<upstream>\x00<scope>" is unique and sorts by
// upstream then scope.
func policyKey(upstream, scope string) string { return upstream + "\x00" + scope }

// PutToolPolicy creates or replaces the policy of (p.WorkspaceID,
// p.Upstream, p.Scope) and bumps the workspace's upstream revision, both in
// one transaction under the workspace's write lock. p.UpdatedAt is stored as
// given. ErrInvalid names a malformed field; ErrNotFound if the workspace
// does not exist.
func (s *Store) PutToolPolicy(ctx context.Context, p *store.ToolPolicy) error {
	if err := validateToolPolicy(p); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, p.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(p.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	rec := cloneToolPolicy(p)
	key := policyKey(rec.Upstream, rec.Scope)
	ws.mu.Lock()
	rev := ws.upstreamRev + 1
	ws.mu.Unlock()
	if err := s.update(func(tx *bolt.Tx) error {
		if err := putRecord(tx, rec.WorkspaceID, bucketToolPolicies, key, rec); err != nil {
			return err
		}
		return putUpstreamRev(tx, rec.WorkspaceID, rev)
	}); err != nil {
		return err
	}
	ws.mu.Lock()
	if ws.policies == nil {
		ws.policies = make(map[string]*store.ToolPolicy)
	}
	ws.policies[key], ws.upstreamRev = rec, rev
	ws.mu.Unlock()
	return nil
}

// DeleteToolPolicy removes one policy and bumps the upstream revision, in
// one transaction. ErrNotFound, with no bump, when there is no such policy
// or workspace.
func (s *Store) DeleteToolPolicy(ctx context.Context, workspace, upstream, scope string) error {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(workspace); err != nil {
		return err
	}
	defer ws.write.Unlock()
	key := policyKey(upstream, scope)
	ws.mu.Lock()
	exists, rev := ws.policies[key] != nil, ws.upstreamRev+1
	ws.mu.Unlock()
	if !exists {
		return fmt.Errorf("embedded: tool policy %q scope %q in workspace %q: %w", upstream, scope, workspace, store.ErrNotFound)
	}
	return s.deleteWithRev(ws, workspace, bucketToolPolicies, key, rev, func() { delete(ws.policies, key) })
}

// ToolPolicies returns copies of the workspace's policies on upstream (every
// upstream's when upstream is ""), ordered by upstream then scope.
// ErrNotFound if the workspace does not exist.
func (s *Store) ToolPolicies(ctx context.Context, workspace, upstream string) ([]store.ToolPolicy, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	out := make([]store.ToolPolicy, 0, len(ws.policies))
	for _, p := range ws.policies {
		if upstream == "" || p.Upstream == upstream {
			out = append(out, *cloneToolPolicy(p))
		}
	}
	ws.mu.Unlock()
	slices.SortFunc(out, func(a, b store.ToolPolicy) int {
		return cmp.Or(strings.Compare(a.Upstream, b.Upstream), strings.Compare(a.Scope, b.Scope))
	})
	return out, nil
}

// cloneToolPolicy returns a copy of *p with its own Allow and Deny slices.
func cloneToolPolicy(p *store.ToolPolicy) *store.ToolPolicy {
	c := *p
	c.Allow, c.Deny = slices.Clone(p.Allow), slices.Clone(p.Deny)
	return &c
}

// loadToolPolicies reads the workspace's tool policies from its bucket b
// into ws; a file written before tool policies existed has none.
func loadToolPolicies(b *bolt.Bucket, ws *wsState) error {
	return forEach(b.Bucket(bucketToolPolicies), func(p store.ToolPolicy) {
		if ws.policies == nil {
			ws.policies = make(map[string]*store.ToolPolicy)
		}
		ws.policies[policyKey(p.Upstream, p.Scope)] = &p
	})
}

// validateToolPolicy checks the fields the store keys by: the store does
// not check the globs (the admin API does) nor that the upstream exists.
func validateToolPolicy(p *store.ToolPolicy) error {
	switch {
	case p == nil:
		return invalid("tool policy is nil")
	case p.WorkspaceID == "":
		return invalid("tool policy's workspace id is empty")
	case p.Upstream == "" || strings.IndexByte(p.Upstream, 0) >= 0:
		return invalid("tool policy's upstream %q: want a non-empty name without NUL", p.Upstream)
	}
	return validatePolicyScope(p.Scope)
}

// validatePolicyScope accepts store.PolicyAll, "role:<role>" and
// "key:<token id>" with a non-empty name.
func validatePolicyScope(scope string) error {
	if scope == store.PolicyAll {
		return nil
	}
	for _, prefix := range []string{store.PolicyRolePrefix, store.PolicyKeyPrefix} {
		if name, ok := strings.CutPrefix(scope, prefix); ok && name != "" {
			return nil
		}
	}
	return invalid("tool policy scope %q: want \"\", \"role:<role>\" or \"key:<token id>\"", scope)
}

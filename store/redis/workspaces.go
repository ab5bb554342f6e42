package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// CreateWorkspace stores w with exactly the limits given; ErrExists if the id is taken.
func (s *Store) CreateWorkspace(ctx context.Context, w *store.Workspace) error {
	if w == nil {
		return errors.New("redisstore: nil workspace")
	}
	if err := checkWorkspace(w.ID); err != nil {
		return err
	}
	if err := checkWorkspaceLimits(w.Limits); err != nil {
		return err
	}
	if err := checkBilling(w.Billing); err != nil {
		return err
	}
	// Index first: a workspace listed but not yet created is skipped by
	// ListWorkspaces, while one created but never indexed would be lost.
	if err := s.c.SAdd(ctx, globalWorkspaces, w.ID).Err(); err != nil {
		return fmt.Errorf("redisstore: create workspace: %w", err)
	}
	args := append([]any{"name", w.Name, "created", ms(w.CreatedAt), "uprev", "0", "personal", flag(w.Personal),
		"plan", w.Plan}, limitsFields(w.Limits)...)
	return verdict("create workspace", createWorkspaceScript.run(ctx, s.c, []string{wsKey(w.ID)},
		append(args, billingFields(w.Billing)...)...))
}

// GetWorkspace returns the workspace, or ErrNotFound.
func (s *Store) GetWorkspace(ctx context.Context, id string) (*store.Workspace, error) {
	if err := checkWorkspace(id); err != nil {
		return nil, fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	}
	m, err := s.c.HGetAll(ctx, wsKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get workspace: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: workspace %s: %w", id, store.ErrNotFound)
	}
	w := decodeWorkspace(id, m)
	return &w, nil
}

// ListWorkspaces returns every workspace ordered by id.
func (s *Store) ListWorkspaces(ctx context.Context) ([]store.Workspace, error) {
	ids, err := s.c.SMembers(ctx, globalWorkspaces).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list workspaces: %w", err)
	}
	slices.Sort(ids)
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, wsKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: list workspaces: %w", err)
	}
	out := make([]store.Workspace, 0, len(ids))
	for i, c := range cmds {
		if m := c.Val(); len(m) > 0 {
			out = append(out, decodeWorkspace(ids[i], m))
		}
	}
	return out, nil
}

// SetLimits replaces the workspace's limits; the next Admit reads them.
func (s *Store) SetLimits(ctx context.Context, workspace string, l store.Limits) error {
	if err := checkWorkspace(workspace); err != nil {
		return fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	}
	if err := checkWorkspaceLimits(l); err != nil {
		return err
	}
	return verdict("set limits", setFieldsScript.run(ctx, s.c, []string{wsKey(workspace)}, limitsFields(l)...))
}

func decodeWorkspace(id string, m map[string]string) store.Workspace {
	return store.Workspace{ID: id, Name: m["name"], Personal: m["personal"] == "1", Plan: m["plan"],
		CreatedAt: fromMS(m["created"]), Limits: decodeLimits(m), Billing: decodeBilling(m)}
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// PutPlan creates or replaces the plan.
func (s *Store) PutPlan(ctx context.Context, p *store.Plan) error {
	if p == nil {
		return errors.New("redisstore: nil plan")
	}
	if err := checkPart("plan name", p.Name); err != nil {
		return err
	}
	if err := checkWorkspaceLimits(p.Limits); err != nil {
		return err
	}
	_, err := s.c.Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.HSet(ctx, planKey(p.Name), append([]any{"name", p.Name, "seats", strconv.Itoa(p.Seats),
			"keys", strconv.Itoa(p.Keys)}, limitsFields(p.Limits)...)...)
		pl.SAdd(ctx, globalPlans, p.Name)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: put plan: %w", err)
	}
	return nil
}

// GetPlan returns the plan, or ErrNotFound.
func (s *Store) GetPlan(ctx context.Context, name string) (*store.Plan, error) {
	if checkPart("plan name", name) != nil {
		return nil, fmt.Errorf("redisstore: plan %q: %w", name, store.ErrNotFound)
	}
	m, err := s.c.HGetAll(ctx, planKey(name)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get plan: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: plan %s: %w", name, store.ErrNotFound)
	}
	p := decodePlan(m)
	return &p, nil
}

// ListPlans returns every plan ordered by name.
func (s *Store) ListPlans(ctx context.Context) ([]store.Plan, error) {
	names, err := s.c.SMembers(ctx, globalPlans).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list plans: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(names))
	_, err = s.c.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = pl.HGetAll(ctx, planKey(n))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: list plans: %w", err)
	}
	out := make([]store.Plan, 0, len(names))
	for _, c := range cmds {
		if m := c.Val(); len(m) > 0 {
			out = append(out, decodePlan(m))
		}
	}
	slices.SortFunc(out, func(a, b store.Plan) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func decodePlan(m map[string]string) store.Plan {
	return store.Plan{Name: m["name"], Seats: int(i64(m["seats"])), Keys: int(i64(m["keys"])), Limits: decodeLimits(m)}
}

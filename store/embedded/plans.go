package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// PutPlan creates or replaces the plan named p.Name.
func (s *Store) PutPlan(ctx context.Context, p *store.Plan) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	if err := validatePlan(p); err != nil {
		return err
	}
	g := s.global
	g.mu.Lock()
	defer g.mu.Unlock()
	rec := *p
	if err := s.update(func(tx *bolt.Tx) error {
		return putGlobal(tx, bucketPlans, rec.Name, &rec)
	}); err != nil {
		return err
	}
	g.plans[rec.Name] = rec
	return nil
}

// GetPlan returns a copy of the plan.
func (s *Store) GetPlan(ctx context.Context, name string) (*store.Plan, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	g := s.global
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.plans[name]
	if !ok {
		return nil, fmt.Errorf("embedded: plan %q: %w", name, store.ErrNotFound)
	}
	return &p, nil
}

// ListPlans returns copies of every plan, ordered by name.
func (s *Store) ListPlans(ctx context.Context) ([]store.Plan, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	g := s.global
	g.mu.Lock()
	out := make([]store.Plan, 0, len(g.plans))
	for _, p := range g.plans {
		out = append(out, p)
	}
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Plan) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// CreateAccount stores a new account. It lower-cases a's Email and fills a
// zero CreatedAt from the clock. ErrExists if the id or the email is taken.
func (s *Store) CreateAccount(ctx context.Context, a *store.Account) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	if err := validateAccount(a); err != nil {
		return err
	}
	a.Email = strings.ToLower(a.Email)
	g := s.global
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.accounts[a.ID]; ok {
		return fmt.Errorf("embedded: account %q: %w", a.ID, store.ErrExists)
	}
	if _, ok := g.byEmail[a.Email]; ok {
		return fmt.Errorf("embedded: account with email %q: %w", a.Email, store.ErrExists)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.clock().UTC()
	}
	rec := *a
	if err := s.update(func(tx *bolt.Tx) error {
		return putGlobal(tx, bucketAccounts, rec.ID, &rec)
	}); err != nil {
		return err
	}
	g.accounts[rec.ID] = rec
	g.byEmail[rec.Email] = rec.ID
	return nil
}

// GetAccount returns a copy of the account.
func (s *Store) GetAccount(ctx context.Context, id string) (*store.Account, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	g := s.global
	g.mu.Lock()
	defer g.mu.Unlock()
	a, ok := g.accounts[id]
	if !ok {
		return nil, fmt.Errorf("embedded: account %q: %w", id, store.ErrNotFound)
	}
	return &a, nil
}

// GetAccountByEmail returns a copy of the account with that email, compared
// without regard to case.
func (s *Store) GetAccountByEmail(ctx context.Context, email string) (*store.Account, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	g := s.global
	g.mu.Lock()
	defer g.mu.Unlock()
	id, ok := g.byEmail[strings.ToLower(email)]
	if !ok {
		return nil, fmt.Errorf("embedded: account with email %q: %w", email, store.ErrNotFound)
	}
	a := g.accounts[id]
	return &a, nil
}

// ListMemberships returns copies of every member record whose AccountID is
// accountID, in any status, across workspaces, ordered by workspace id and
// then member id. An account with no memberships (or no account) gives an
// empty list.
func (s *Store) ListMemberships(ctx context.Context, accountID string) ([]store.Member, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, invalid("account id is empty")
	}
	out := []store.Member{}
	for _, ws := range *s.workspaces.Load() {
		ws.mu.Lock()
		for _, ms := range ws.members {
			if ms.rec.AccountID == accountID {
				out = append(out, ms.rec)
			}
		}
		ws.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b store.Member) int {
		if c := strings.Compare(a.WorkspaceID, b.WorkspaceID); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// CreateAccount stores a; ErrExists if its email (compared lower-case) or id is taken.
func (s *Store) CreateAccount(ctx context.Context, a *store.Account) error {
	if a == nil {
		return errors.New("redisstore: nil account")
	}
	if err := checkPart("account id", a.ID); err != nil {
		return err
	}
	if err := checkEmail(a.Email); err != nil {
		return err
	}
	ek := acctEmailKey(strings.ToLower(a.Email))
	won, err := s.c.SetNX(ctx, ek, a.ID, 0).Result()
	if err != nil {
		return fmt.Errorf("redisstore: create account: %w", err)
	}
	if !won {
		return fmt.Errorf("redisstore: account email %s: %w", a.Email, store.ErrExists)
	}
	err = verdict("create account", createRecordScript.run(ctx, s.c, []string{acctKey(a.ID)},
		"id", a.ID, "email", a.Email, "personal", a.PersonalWorkspaceID, "created", ms(a.CreatedAt)))
	if err != nil {
		_ = s.c.Del(ctx, ek).Err() // the email is free again; a failure here leaves it taken
	}
	return err
}

// createRecordScript: KEYS record; ARGV field, value, ... Stores the hash
// unless it exists (-1).
var createRecordScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`)

// GetAccount returns the account, or ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (*store.Account, error) {
	if checkPart("account id", id) != nil {
		return nil, fmt.Errorf("redisstore: account %q: %w", id, store.ErrNotFound)
	}
	m, err := s.c.HGetAll(ctx, acctKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get account: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redisstore: account %s: %w", id, store.ErrNotFound)
	}
	return &store.Account{ID: m["id"], Email: m["email"], PersonalWorkspaceID: m["personal"],
		CreatedAt: fromMS(m["created"])}, nil
}

// GetAccountByEmail returns the account with email (compared lower-case), or ErrNotFound.
func (s *Store) GetAccountByEmail(ctx context.Context, email string) (*store.Account, error) {
	id, err := s.c.Get(ctx, acctEmailKey(strings.ToLower(email))).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: account %s: %w", email, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: get account by email: %w", err)
	}
	return s.GetAccount(ctx, id)
}

// ListMemberships returns every member record of the account, any status,
// ordered by workspace id. The account's workspace set names where to look.
func (s *Store) ListMemberships(ctx context.Context, accountID string) ([]store.Member, error) {
	if checkPart("account id", accountID) != nil {
		return nil, nil
	}
	ids, err := s.c.SMembers(ctx, acctWorkspaces(accountID)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list memberships: %w", err)
	}
	slices.Sort(ids)
	var out []store.Member
	for _, ws := range ids {
		if checkWorkspace(ws) != nil {
			continue
		}
		ms, err := s.ListMembers(ctx, ws)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.AccountID == accountID {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// checkEmail refuses an empty or overlong email, or one with spaces or
// control characters.
func checkEmail(e string) error {
	if e == "" || len(e) > 254 || strings.IndexFunc(e, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return fmt.Errorf("redisstore: invalid email %q", e)
	}
	return nil
}

package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// txScript reads one explicit ledger entry. KEYS {w:W}:ledger:e; ARGV id.
// Reply the entry's value (see creditScript), nil when there is none. It is
// a script, not an HGET, so that Client stays the few commands it is.
var txScript = newScript(`return redis.call('HGET', KEYS[1], ARGV[1])`)

// Transaction returns the explicit transaction with id from the
// workspace's ledger ({w:W}:ledger:e) in one call; see store.Money.
// ErrNotFound when the workspace or the transaction does not exist.
func (s *Store) Transaction(ctx context.Context, workspace, id string) (store.Transaction, error) {
	if checkWorkspace(workspace) != nil || checkPart("transaction id", id) != nil {
		return store.Transaction{}, fmt.Errorf("redisstore: transaction %q of workspace %q: %w", id, workspace, store.ErrNotFound)
	}
	v, err := txScript.run(ctx, s.c, []string{tag(workspace) + ":ledger:e"}, id).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return store.Transaction{}, fmt.Errorf("redisstore: transaction %s of workspace %s: %w", id, workspace, store.ErrNotFound)
	case err != nil:
		return store.Transaction{}, fmt.Errorf("redisstore: transaction: %w", err)
	}
	tx, err := decodeTx(id, "e", v)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("redisstore: transaction %s: %w", id, err)
	}
	tx.ID = id
	return tx, nil
}

package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// Transaction returns the explicit transaction with id from the
// workspace's ledger, through the index of ledger ids; see store.Money.
// ErrNotFound when the workspace or the transaction does not exist.
func (s *Store) Transaction(ctx context.Context, workspace, id string) (store.Transaction, error) {
	if _, err := s.lookup(ctx, workspace); err != nil {
		return store.Transaction{}, err
	}
	var tx store.Transaction
	err := s.db.View(func(btx *bolt.Tx) error {
		b, err := moneyBucket(btx, workspace)
		if err != nil {
			return err
		}
		ids, ledger := b.Bucket(bucketLedgerIDs), b.Bucket(bucketLedger)
		var v []byte
		if ids != nil && ledger != nil {
			if k := ids.Get([]byte(id)); k != nil {
				v = ledger.Get(k)
			}
		}
		if v == nil {
			return fmt.Errorf("transaction %q: %w", id, store.ErrNotFound)
		}
		return json.Unmarshal(v, &tx)
	})
	if err != nil {
		return store.Transaction{}, fmt.Errorf("embedded: workspace %q: %w", workspace, err)
	}
	return tx, nil
}

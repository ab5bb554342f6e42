package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Credits returns the workspace's balance and the credits its holds keep,
// after settling its expired holds.
func (s *Store) Credits(ctx context.Context, workspace string) (store.Credits, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return store.Credits{}, err
	}
	if err := s.expireAll(ws); err != nil {
		return store.Credits{}, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return store.Credits{Balance: ws.money.balance, Held: ws.money.held}, nil
}

// AddCredits appends tx to the ledger and moves the balance by tx.Amount
// in one transaction, then in memory (see store.Money.AddCredits). It fills
// an empty tx.ID with token.NewID, and tx.At and tx.Balance.
func (s *Store) AddCredits(ctx context.Context, workspace string, tx *store.Transaction) (store.CreditAlerts, error) {
	if err := validateCreditTx(tx); err != nil {
		return store.CreditAlerts{}, err
	}
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return store.CreditAlerts{}, err
	}
	rec := *tx
	if rec.ID == "" {
		rec.ID = token.NewID()
	}
	rec.At = s.clock().UTC()
	rec.Member, rec.Key = "", ""
	alerts, err := s.credit(ws, workspace, &rec, nil)
	if err != nil {
		return store.CreditAlerts{}, err
	}
	*tx = rec
	return alerts, nil
}

// credit appends rec to the workspace's ledger and moves the balance by
// rec.Amount, filling rec.Balance, and runs also (when set) in the same
// transaction; then it moves the balance in memory and reports the alerts
// expired holds left pending (see passAlerts) with its own. ErrExists when rec.ID
// is already in the ledger.
func (s *Store) credit(ws *wsState, workspace string, rec *store.Transaction, also func(tx *bolt.Tx) error) (store.CreditAlerts, error) {
	ws.mu.Lock()
	billing := ws.rec.Billing
	ws.mu.Unlock()
	var alerts store.CreditAlerts
	err := s.update(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil {
			return err
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		before, err := appendTx(b, rec)
		alerts = crossings(billing, before, rec.Balance)
		return err
	})
	if err != nil {
		return store.CreditAlerts{}, err
	}
	ws.mu.Lock()
	ws.money.balance += rec.Amount
	alerts = orAlerts(alerts, ws.money.takePending(billing, rec.Balance))
	ws.mu.Unlock()
	return alerts, nil
}

// appendTx writes the explicit transaction rec to the ledger of workspace
// bucket ws and moves the balance, filling rec.Balance; it returns the
// balance before.
func appendTx(ws *bolt.Bucket, rec *store.Transaction) (int64, error) {
	ids, err := ws.CreateBucketIfNotExists(bucketLedgerIDs)
	if err != nil {
		return 0, err
	}
	if ids.Get([]byte(rec.ID)) != nil {
		return 0, fmt.Errorf("transaction %q: %w", rec.ID, store.ErrExists)
	}
	ledger, err := ws.CreateBucketIfNotExists(bucketLedger)
	if err != nil {
		return 0, err
	}
	before := getInt(ws, keyCredits)
	rec.Balance = before + rec.Amount
	key := auditKey(rec.At, rec.ID)
	if err := ids.Put([]byte(rec.ID), key); err != nil {
		return 0, err
	}
	if err := putJSON(ledger, key, rec); err != nil {
		return 0, err
	}
	return before, putInt(ws, keyCredits, rec.Balance)
}

// Transactions returns the workspace's ledger newest first (see
// store.Money.Transactions), after settling its expired holds. The cursor
// is the key of the last entry returned.
func (s *Store) Transactions(ctx context.Context, workspace string, q store.TxQuery) ([]store.Transaction, string, error) {
	cursor, limit, err := s.openPage(ctx, workspace, q.Cursor, q.Limit, "transaction")
	if err != nil {
		return nil, "", err
	}
	out := []store.Transaction{}
	var next string
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil {
			return err
		}
		next, err = scanNewest(b.Bucket(bucketLedger), q.Since, q.Until, cursor, limit, func(_, v []byte) (bool, error) {
			var t store.Transaction
			err := json.Unmarshal(v, &t)
			out = append(out, t)
			return err == nil, err
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("embedded: transactions of workspace %q: %w", workspace, err)
	}
	return out[:min(len(out), limit)], next, nil
}

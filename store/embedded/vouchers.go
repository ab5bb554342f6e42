package embedded

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Vouchers are global records read from disk: only admin calls touch them.
// Every voucher write is one bbolt transaction, and bbolt runs one writer
// at a time, so a voucher is redeemed at most once and its credit lands in
// the same transaction as the mark.

// voucherRecord is the storage form of a voucher: store.Voucher keeps its
// hash out of JSON, the record keeps it.
type voucherRecord struct {
	store.Voucher
	Hash token.Hash `json:"hash"`
}

// CreateVoucher stores v. It fills an empty ID with token.NewID and a zero
// CreatedAt from the clock. ErrExists if its ID or hash is taken.
func (s *Store) CreateVoucher(ctx context.Context, v *store.Voucher) error {
	if err := validateVoucher(v); err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	if v.ID == "" {
		v.ID = token.NewID()
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.clock().UTC()
	}
	rec := voucherRecord{Voucher: *v, Hash: v.Hash}
	return s.update(func(tx *bolt.Tx) error {
		vs, err := tx.CreateBucketIfNotExists(bucketVouchers)
		if err != nil {
			return err
		}
		hs, err := tx.CreateBucketIfNotExists(bucketVoucherHashs)
		if err != nil {
			return err
		}
		if vs.Get([]byte(rec.ID)) != nil {
			return fmt.Errorf("voucher %q: %w", rec.ID, store.ErrExists)
		}
		if hs.Get(rec.Hash[:]) != nil {
			return fmt.Errorf("voucher hash of %q: %w", rec.ID, store.ErrExists)
		}
		if err := hs.Put(rec.Hash[:], []byte(rec.ID)); err != nil {
			return err
		}
		return putJSON(vs, []byte(rec.ID), &rec)
	})
}

// ListVouchers returns every voucher, newest first (by CreatedAt, then ID).
func (s *Store) ListVouchers(ctx context.Context) ([]store.Voucher, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	out := []store.Voucher{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bucketVouchers), func(r voucherRecord) {
			v := r.Voucher
			v.Hash = r.Hash
			out = append(out, v)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: list vouchers: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Voucher) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

// RedeemVoucher redeems the voucher whose hash is h into workspace: in one
// transaction it marks the voucher redeemed and appends a TxVoucher
// transaction (the voucher's ID) crediting its amount, then moves the
// balance in memory. ErrVoucherUsed, ErrVoucherExpired, ErrNotFound (no such
// voucher or workspace). A credit never raises an alert.
func (s *Store) RedeemVoucher(ctx context.Context, workspace string, h token.Hash, actor string) (*store.Transaction, store.CreditAlerts, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, store.CreditAlerts{}, err
	}
	now := s.clock().UTC()
	rec := &store.Transaction{Kind: store.TxVoucher, Actor: actor, At: now}
	redeem := func(tx *bolt.Tx) error {
		vs := tx.Bucket(bucketVouchers)
		var id []byte
		if hs := tx.Bucket(bucketVoucherHashs); hs != nil {
			id = hs.Get(h[:])
		}
		if id == nil || vs == nil {
			return fmt.Errorf("voucher: %w", store.ErrNotFound)
		}
		var v voucherRecord
		if err := json.Unmarshal(vs.Get(id), &v); err != nil {
			return fmt.Errorf("decode voucher %q: %w", id, err)
		}
		switch {
		case v.RedeemedBy != "":
			return fmt.Errorf("voucher %q: %w", v.ID, store.ErrVoucherUsed)
		case !now.Before(v.ExpiresAt):
			return fmt.Errorf("voucher %q: %w", v.ID, store.ErrVoucherExpired)
		}
		v.RedeemedBy, v.RedeemedAt = workspace, now
		rec.ID, rec.Voucher, rec.Amount, rec.Note = v.ID, v.ID, v.Amount, v.Note
		return putJSON(vs, id, &v)
	}
	alerts, err := s.credit(ws, workspace, rec, redeem)
	if err != nil {
		return nil, store.CreditAlerts{}, err
	}
	return rec, alerts, nil
}

package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Webhooks and deliveries are read from disk: only admin calls and the
// delivery worker touch them.

// CreateWebhook stores a receiver of an existing workspace. It fills an
// empty ID with token.NewID and a zero CreatedAt from the clock. ErrExists
// if the id is taken; ErrNotFound without the workspace.
func (s *Store) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	if err := validateWebhook(w); err != nil {
		return err
	}
	if _, err := s.lookup(ctx, w.WorkspaceID); err != nil {
		return err
	}
	if w.ID == "" {
		w.ID = token.NewID()
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.clock().UTC()
	}
	rec := *w
	rec.Events = append([]string(nil), w.Events...)
	return s.update(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, rec.WorkspaceID)
		if err != nil {
			return err
		}
		hooks, err := b.CreateBucketIfNotExists(bucketWebhooks)
		if err != nil {
			return err
		}
		if hooks.Get([]byte(rec.ID)) != nil {
			return fmt.Errorf("webhook %q: %w", rec.ID, store.ErrExists)
		}
		return putJSON(hooks, []byte(rec.ID), &rec)
	})
}

// ListWebhooks returns the workspace's receivers ordered by ID.
func (s *Store) ListWebhooks(ctx context.Context, workspace string) ([]store.Webhook, error) {
	if _, err := s.lookup(ctx, workspace); err != nil {
		return nil, err
	}
	out := []store.Webhook{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil {
			return err
		}
		return forEach(b.Bucket(bucketWebhooks), func(w store.Webhook) { out = append(out, w) })
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: webhooks of workspace %q: %w", workspace, err)
	}
	return out, nil
}

// DeleteWebhook removes a receiver; its deliveries stay until they age
// out. ErrNotFound when absent.
func (s *Store) DeleteWebhook(ctx context.Context, workspace, id string) error {
	if _, err := s.lookup(ctx, workspace); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil {
			return err
		}
		hooks := b.Bucket(bucketWebhooks)
		if hooks == nil || hooks.Get([]byte(id)) == nil {
			return fmt.Errorf("webhook %q in workspace %q: %w", id, workspace, store.ErrNotFound)
		}
		return hooks.Delete([]byte(id))
	})
}

// RecordDelivery appends d, or replaces the delivery with its ID, and
// sweeps a few deliveries older than the request retention. A zero At is
// filled from the clock. ErrNotFound without the workspace.
func (s *Store) RecordDelivery(ctx context.Context, d *store.Delivery) error {
	if err := validateDelivery(d); err != nil {
		return err
	}
	if _, err := s.lookup(ctx, d.WorkspaceID); err != nil {
		return err
	}
	now := s.clock().UTC()
	if d.At.IsZero() {
		d.At = now
	}
	rec := *d
	return s.update(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, rec.WorkspaceID)
		if err != nil {
			return err
		}
		ds, err := b.CreateBucketIfNotExists(bucketDeliveries)
		if err != nil {
			return err
		}
		ids, err := b.CreateBucketIfNotExists(bucketDeliveryIDs)
		if err != nil {
			return err
		}
		if old := ids.Get([]byte(rec.ID)); old != nil {
			if err := ds.Delete(old); err != nil {
				return err
			}
		}
		key := auditKey(rec.At, rec.ID)
		if err := ids.Put([]byte(rec.ID), key); err != nil {
			return err
		}
		if err := putJSON(ds, key, &rec); err != nil {
			return err
		}
		return sweepBefore(ds, auditKey(now.Add(-s.retention), ""), func(k []byte) error {
			return ids.Delete(k[8:])
		})
	})
}

// Deliveries returns the workspace's deliveries newest first, of one
// webhook when webhookID is not "", at most limit (0: 100), within the
// request retention.
func (s *Store) Deliveries(ctx context.Context, workspace, webhookID string, limit int) ([]store.Delivery, error) {
	if limit < 0 {
		return nil, invalid("delivery limit %d is negative", limit)
	}
	if _, err := s.lookup(ctx, workspace); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = defaultPage
	}
	since := s.clock().Add(-s.retention)
	out := []store.Delivery{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil {
			return err
		}
		_, err = scanNewest(b.Bucket(bucketDeliveries), since, time.Time{}, nil, limit, func(_, v []byte) (bool, error) {
			var d store.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return false, err
			}
			if webhookID != "" && d.WebhookID != webhookID {
				return false, nil
			}
			out = append(out, d)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: deliveries of workspace %q: %w", workspace, err)
	}
	return out[:min(len(out), limit)], nil
}

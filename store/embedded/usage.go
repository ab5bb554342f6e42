package embedded

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// UsageRows returns the workspace's hourly roll-ups with Hour in [from, to)
// (a zero bound is open), ordered by hour, then token, model, tool (their
// key order), after settling its expired holds.
func (s *Store) UsageRows(ctx context.Context, workspace string, from, to time.Time) ([]store.UsageRow, error) {
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, err
	}
	if err := s.expireAll(ws); err != nil {
		return nil, err
	}
	out := []store.UsageRow{}
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil || b.Bucket(bucketUsage) == nil {
			return err
		}
		c := b.Bucket(bucketUsage).Cursor()
		k, v := c.First()
		if !from.IsZero() {
			k, v = c.Seek(auditKey(from, ""))
		}
		for ; k != nil && (to.IsZero() || timeOf(k).Before(to)); k, v = c.Next() {
			row, err := decodeUsage(k, v)
			if err != nil {
				return err
			}
			out = append(out, row)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: usage of workspace %q: %w", workspace, err)
	}
	return out, nil
}

// Requests returns the workspace's audit records of requests newest first,
// filtered by q, after settling its expired holds. Records older than the
// request retention are left out even before the sweep removes them.
func (s *Store) Requests(ctx context.Context, workspace string, q store.RequestQuery) ([]store.RequestRecord, string, error) {
	cursor, limit, err := s.openPage(ctx, workspace, q.Cursor, q.Limit, "request")
	if err != nil {
		return nil, "", err
	}
	since := s.clock().Add(-s.retention)
	if q.Since.After(since) {
		since = q.Since
	}
	out := []store.RequestRecord{}
	var next string
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := moneyBucket(tx, workspace)
		if err != nil {
			return err
		}
		next, err = scanNewest(b.Bucket(bucketRequests), since, q.Until, cursor, limit, func(_, v []byte) (bool, error) {
			r, err := decodeRecord(v)
			if err != nil {
				return false, err
			}
			if (q.MemberID != "" && r.MemberID != q.MemberID) || (q.TokenID != "" && r.TokenID != q.TokenID) {
				return false, nil
			}
			out = append(out, r)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("embedded: requests of workspace %q: %w", workspace, err)
	}
	return out[:min(len(out), limit)], next, nil
}

// openPage starts a page of a workspace's money records (Transactions,
// Requests): it decodes the cursor, checks the limit (0 is defaultPage;
// what names the list in the error) and settles the workspace's expired
// holds first, so the page reads right.
func (s *Store) openPage(ctx context.Context, workspace, cur string, limit int, what string) ([]byte, int, error) {
	cursor, err := decodeCursor(cur)
	if err != nil {
		return nil, 0, err
	}
	if limit < 0 {
		return nil, 0, invalid("%s limit %d is negative", what, limit)
	}
	ws, err := s.lookup(ctx, workspace)
	if err != nil {
		return nil, 0, err
	}
	if err := s.expireAll(ws); err != nil {
		return nil, 0, err
	}
	if limit == 0 {
		limit = defaultPage
	}
	return cursor, limit, nil
}

package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// defaultAuditLimit is the page size of ListAudit when the query sets none.
const defaultAuditLimit = 100

// The audit log is read from disk, never held in memory: it only grows, and
// only admin calls read it.

// auditKey is an entry's key in its workspace's audit bucket: the time in
// Unix nanoseconds, big-endian with the sign bit flipped so that byte order
// is time order (also before 1970), then the id. Iterating the bucket yields
// entries ordered by Time, then ID, as store.AuditEntry documents.
func auditKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano())^(1<<63))
	return append(k, id...)
}

// AppendAudit records e in its workspace's log. It fills an empty ID with
// token.NewID and a zero Time from the clock. ErrExists if the id is taken
// in the workspace; ErrNotFound if the workspace does not exist.
func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEntry) error {
	if err := validateAudit(e); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, e.WorkspaceID)
	if err != nil {
		return err
	}
	if err := ws.lockWrite(e.WorkspaceID); err != nil {
		return err
	}
	defer ws.write.Unlock()
	if e.ID == "" {
		e.ID = token.NewID()
	}
	if e.Time.IsZero() {
		e.Time = s.clock().UTC()
	}
	rec := *e
	key := auditKey(rec.Time, rec.ID)
	return s.update(func(tx *bolt.Tx) error {
		b, err := wsBucket(tx, rec.WorkspaceID, false)
		if err != nil {
			return err
		}
		ids, err := b.CreateBucketIfNotExists(bucketAuditIDs)
		if err != nil {
			return err
		}
		if ids.Get([]byte(rec.ID)) != nil {
			return fmt.Errorf("audit entry %q: %w", rec.ID, store.ErrExists)
		}
		if err := ids.Put([]byte(rec.ID), key); err != nil {
			return err
		}
		return putRecord(tx, rec.WorkspaceID, bucketAudit, string(key), &rec)
	})
}

// ListAudit returns the workspace's entries that match q, oldest first: at
// or after q.Since, before q.Until, by q.ActorID, after the entry q.After,
// at most q.Limit (default 100). An unknown workspace has no entries; an
// After that names no entry of the workspace is an error wrapping ErrInvalid.
func (s *Store) ListAudit(ctx context.Context, workspace string, q store.AuditQuery) ([]store.AuditEntry, error) {
	if err := validateAuditQuery(q); err != nil {
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = defaultAuditLimit
	}
	out := []store.AuditEntry{}
	err := s.db.View(func(tx *bolt.Tx) error {
		var b *bolt.Bucket
		if root := tx.Bucket(bucketWorkspaces); root != nil {
			b = root.Bucket([]byte(workspace))
		}
		if b == nil {
			return nil // no such workspace (or deleted): no entries
		}
		start, after, err := auditStart(b, q)
		if err != nil {
			return err
		}
		out, err = scanAudit(b.Bucket(bucketAudit), start, after, q, out)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: list audit of workspace %q: %w", workspace, err)
	}
	return out, nil
}

// auditStart returns the key to seek to and, when q.After is set, the key of
// that entry, which the scan skips.
func auditStart(b *bolt.Bucket, q store.AuditQuery) (start, after []byte, err error) {
	if !q.Since.IsZero() {
		start = auditKey(q.Since, "")
	}
	if q.After == "" {
		return start, nil, nil
	}
	var k []byte
	if ids := b.Bucket(bucketAuditIDs); ids != nil {
		k = ids.Get([]byte(q.After))
	}
	if k == nil {
		return nil, nil, invalid("audit cursor %q names no entry of the workspace", q.After)
	}
	after = bytes.Clone(k)
	if bytes.Compare(after, start) > 0 {
		start = after
	}
	return start, after, nil
}

// scanAudit appends to out the entries of b from start on that match q.
func scanAudit(b *bolt.Bucket, start, after []byte, q store.AuditQuery, out []store.AuditEntry) ([]store.AuditEntry, error) {
	if b == nil {
		return out, nil
	}
	c := b.Cursor()
	k, v := c.First()
	if start != nil {
		k, v = c.Seek(start)
	}
	for ; k != nil && len(out) < q.Limit; k, v = c.Next() {
		if after != nil && bytes.Equal(k, after) {
			continue
		}
		var e store.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decode audit entry %q: %w", k, err)
		}
		if !q.Until.IsZero() && !e.Time.Before(q.Until) {
			break
		}
		if q.ActorID != "" && e.ActorID != q.ActorID {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

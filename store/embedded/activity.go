package embedded

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Last activity (Member.LastActive, Token.LastUsed) is recorded by Admit in
// memory only, to the minute and at most once a minute per record, and marked
// dirty. It reaches the disk lazily, never on the request path:
//
//   - with the next admin write of that record (PutMember, RevokeToken),
//     which writes the in-memory value;
//   - with Close, which writes every dirty record of every workspace.
//
// A crash loses at most the activity recorded since the record's last write:
// LastActive and LastUsed are informational and never used for admission.

// touch records an admitted request at now on the token and, for a member
// token, on its member. The caller holds ws.mu. It does not allocate.
func touch(now time.Time, ts *tokenState, ms *memberState) {
	minute := now.Truncate(time.Minute).UTC()
	if ts.rec.LastUsed.Before(minute) {
		ts.rec.LastUsed, ts.dirty = minute, true
	}
	if ms != nil && ts.rec.Kind == token.Member && ms.rec.LastActive.Before(minute) {
		ms.rec.LastActive, ms.dirty = minute, true
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// dirtyRecords returns copies of the workspace's members and tokens whose
// last activity is newer in memory than on disk. The caller holds ws.write.
func (ws *wsState) dirtyRecords() ([]store.Member, []store.Token) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var ms []store.Member
	var ts []store.Token
	for _, m := range ws.members {
		if m.dirty {
			ms = append(ms, m.rec)
		}
	}
	for _, t := range ws.tokens {
		if t.dirty {
			ts = append(ts, cloneToken(t.rec))
		}
	}
	return ms, ts
}

// markClean clears the dirty flags of the records written, unless Admit moved
// their activity on since they were copied. The caller holds ws.write.
func (ws *wsState) markClean(ms []store.Member, ts []store.Token) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, m := range ms {
		if cur := ws.members[m.ID]; cur != nil && !cur.rec.LastActive.After(m.LastActive) {
			cur.dirty = false
		}
	}
	for _, t := range ts {
		if cur := ws.tokens[t.ID]; cur != nil && !cur.rec.LastUsed.After(t.LastUsed) {
			cur.dirty = false
		}
	}
}

// flushActivity writes the last activity of every dirty record to disk, one
// transaction per workspace that has any. Close calls it before closing the
// database.
func (s *Store) flushActivity() error {
	for id, ws := range *s.workspaces.Load() {
		if err := s.flushWorkspace(id, ws); err != nil {
			return err
		}
	}
	return nil
}

// flushWorkspace writes ws's dirty records under its write lock, so that no
// admin write of an older copy can land after them.
func (s *Store) flushWorkspace(id string, ws *wsState) error {
	ws.write.Lock()
	defer ws.write.Unlock()
	if ws.deleted {
		return nil
	}
	ms, ts := ws.dirtyRecords()
	if len(ms) == 0 && len(ts) == 0 {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		for i := range ms {
			if err := putRecord(tx, id, bucketMembers, ms[i].ID, &ms[i]); err != nil {
				return err
			}
		}
		for i := range ts {
			if err := putRecord(tx, id, bucketTokens, ts[i].ID, &ts[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ws.markClean(ms, ts)
	return nil
}

package embedded

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// Layout of the bbolt file. Records are JSON (their struct tags); the
// upstream revision is 8 bytes, big-endian.
//
//	workspaces/<workspace id>/workspace      store.Workspace
//	workspaces/<workspace id>/upstream_rev   int64
//	workspaces/<workspace id>/members/<id>   store.Member
//	workspaces/<workspace id>/tokens/<id>    store.Token
//	workspaces/<workspace id>/upstreams/<n>  store.Upstream
//	workspaces/<workspace id>/invitations/<id>  store.Invitation
//	workspaces/<workspace id>/audit/<key>    store.AuditEntry (key: see auditKey)
//	workspaces/<workspace id>/audit_ids/<id> <key>, to resume a listing after an entry
//	workspaces/<workspace id>/tool_policies/<upstream>\x00<scope>  store.ToolPolicy
//	accounts/<id>                            store.Account
//	plans/<name>                             store.Plan
//
// and the money records (money_disk.go).
//
// Child buckets added after the first release (invitations, audit,
// audit_ids, tool_policies) are created on first write, so older files open unchanged.
var (
	bucketWorkspaces  = []byte("workspaces")
	bucketMembers     = []byte("members")
	bucketTokens      = []byte("tokens")
	bucketUpstreams   = []byte("upstreams")
	bucketInvitations = []byte("invitations")
	bucketAudit       = []byte("audit")
	bucketAuditIDs    = []byte("audit_ids")
	bucketAccounts    = []byte("accounts")
	bucketPlans       = []byte("plans")
	keyWorkspace      = []byte("workspace")
	keyUpstreamRev    = []byte("upstream_rev")
)

// update runs fn in one read-write transaction, committed before it returns.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if err := s.db.Update(fn); err != nil {
		if errors.Is(err, bolt.ErrDatabaseNotOpen) {
			return ErrClosed
		}
		return fmt.Errorf("embedded: write %s: %w", s.path, err)
	}
	return nil
}

// wsBucket returns the bucket of workspace id, creating it and its children
// when create is set.
func wsBucket(tx *bolt.Tx, id string, create bool) (*bolt.Bucket, error) {
	root, err := tx.CreateBucketIfNotExists(bucketWorkspaces)
	if err != nil {
		return nil, err
	}
	if !create {
		if b := root.Bucket([]byte(id)); b != nil {
			return b, nil
		}
		return nil, fmt.Errorf("workspace %q has no bucket", id)
	}
	b, err := root.CreateBucket([]byte(id))
	if err != nil {
		return nil, err
	}
	for _, name := range [][]byte{bucketMembers, bucketTokens, bucketUpstreams} {
		if _, err := b.CreateBucket(name); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// putRecord writes v as JSON under key in the child bucket of workspace ws
// (or in the workspace bucket itself when child is nil).
func putRecord(tx *bolt.Tx, ws string, child []byte, key string, v any) error {
	b, err := wsBucket(tx, ws, false)
	if err != nil {
		return err
	}
	if child != nil {
		if b, err = b.CreateBucketIfNotExists(child); err != nil {
			return err
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

// putUpstreamRev writes the workspace's upstream revision.
func putUpstreamRev(tx *bolt.Tx, ws string, rev int64) error {
	b, err := wsBucket(tx, ws, false)
	if err != nil {
		return err
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(rev))
	return b.Put(keyUpstreamRev, v[:])
}

// load reads the whole database into memory.
func load(db *bolt.DB) (map[string]*wsState, error) {
	m := make(map[string]*wsState)
	err := db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketWorkspaces)
		if err != nil {
			return err
		}
		return root.ForEachBucket(func(id []byte) error {
			ws, err := loadWorkspace(root.Bucket(id))
			if err != nil {
				return fmt.Errorf("workspace %q: %w", id, err)
			}
			m[ws.rec.ID] = ws
			return nil
		})
	})
	return m, err
}

// loadWorkspace decodes one workspace bucket.
func loadWorkspace(b *bolt.Bucket) (*wsState, error) {
	var w store.Workspace
	if err := json.Unmarshal(b.Get(keyWorkspace), &w); err != nil {
		return nil, fmt.Errorf("decode workspace: %w", err)
	}
	ws := newWSState(w)
	if v := b.Get(keyUpstreamRev); len(v) == 8 {
		ws.upstreamRev = int64(binary.BigEndian.Uint64(v))
	}
	err := forEach(b.Bucket(bucketMembers), func(m store.Member) {
		ws.members[m.ID] = &memberState{rec: m}
	})
	if err == nil {
		err = forEach(b.Bucket(bucketTokens), ws.addToken)
	}
	if err == nil {
		err = forEach(b.Bucket(bucketUpstreams), func(u store.Upstream) {
			ws.upstreams[u.Name] = &u
		})
	}
	if err == nil {
		err = forEach(b.Bucket(bucketInvitations), func(inv store.Invitation) {
			ws.invitations[inv.ID] = &inv
		})
	}
	if err == nil {
		err = loadToolPolicies(b, ws)
	}
	if err == nil {
		err = loadMoney(b, ws)
	}
	return ws, err
}

// forEach decodes every value of b as a T and passes it to fn.
func forEach[T any](b *bolt.Bucket, fn func(T)) error {
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		fn(rec)
		return nil
	})
}

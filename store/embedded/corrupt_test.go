package embedded_test

import (
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
)

// TestCorruptRecordRefusedAtOpen: a record that does not decode stops Open
// with an error naming the workspace and the record, instead of starting
// with a silently missing token or member.
func TestCorruptRecordRefusedAtOpen(t *testing.T) {
	f := newFixture(t, store.Limits{})
	must(t, f.s.Close())
	db, err := bolt.Open(filepath.Join(f.dir, embedded.FileName), 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("workspaces")).Bucket([]byte(f.ws)).Bucket([]byte("members"))
		return b.Put([]byte(f.member.ID), []byte("{not json"))
	}))
	must(t, db.Close())
	_, err = embedded.Open(f.dir, embedded.Options{})
	if err == nil || !strings.Contains(err.Error(), f.ws) || !strings.Contains(err.Error(), f.member.ID) {
		t.Fatalf("Open of a corrupt database: %v, want an error naming workspace %s and record %s", err, f.ws, f.member.ID)
	}
}

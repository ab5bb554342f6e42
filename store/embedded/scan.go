package embedded

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// defaultPage is the page size of the money listings when the query sets
// none.
const defaultPage = 100

// decodeCursor turns a cursor a listing returned back into its key; ""
// starts at the newest entry.
func decodeCursor(cursor string) ([]byte, error) {
	if cursor == "" {
		return nil, nil
	}
	k, err := hex.DecodeString(cursor)
	if err != nil || len(k) < 8 {
		return nil, invalid("cursor %q is not one this store returned", cursor)
	}
	return k, nil
}

// scanNewest visits the entries of b (keys starting with a time key, so
// byte order is time order) newest first: after cursor when it is set,
// with times in [since, until) (zero: unbounded). take decides on each and
// reports whether it took it. It stops after limit+1 taken and then returns
// the cursor of the limit-th, so the caller drops its last entry; "" when
// no more than limit were taken.
func scanNewest(b *bolt.Bucket, since, until time.Time, cursor []byte, limit int, take func(k, v []byte) (bool, error)) (string, error) {
	if b == nil {
		return "", nil
	}
	c := b.Cursor()
	var k, v []byte
	switch {
	case cursor != nil:
		k, v = seekBefore(c, cursor)
	case !until.IsZero():
		k, v = seekBefore(c, auditKey(until, ""))
	default:
		k, v = c.Last()
	}
	n := 0
	var last []byte
	for ; k != nil; k, v = c.Prev() {
		at := timeOf(k)
		if !since.IsZero() && at.Before(since) {
			break
		}
		if !until.IsZero() && !at.Before(until) {
			continue
		}
		ok, err := take(k, v)
		if err != nil {
			return "", fmt.Errorf("decode %x: %w", k, err)
		}
		if !ok {
			continue
		}
		if n++; n == limit {
			last = bytes.Clone(k)
		} else if n > limit {
			return hex.EncodeToString(last), nil
		}
	}
	return "", nil
}

// seekBefore positions c on the last key before key.
func seekBefore(c *bolt.Cursor, key []byte) ([]byte, []byte) {
	k, _ := c.Seek(key)
	if k == nil {
		return c.Last()
	}
	return c.Prev()
}

// moneyBucket returns workspace id's bucket in tx, or an error wrapping
// store.ErrNotFound when it was deleted.
func moneyBucket(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	if root := tx.Bucket(bucketWorkspaces); root != nil {
		if b := root.Bucket([]byte(id)); b != nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("workspace %q: %w", id, store.ErrNotFound)
}

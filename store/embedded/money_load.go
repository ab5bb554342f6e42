package embedded

import (
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// loadMoney reads the workspace's balance and cap counters from its bucket
// b into ws at Open. Holds start empty (see money.go).
func loadMoney(b *bolt.Bucket, ws *wsState) error {
	ws.money.balance = getInt(b, keyCredits)
	caps := b.Bucket(bucketCaps)
	if caps == nil {
		return nil
	}
	return caps.ForEach(func(k, v []byte) error {
		ck, err := parseCapKey(k)
		if err != nil {
			return err
		}
		ws.money.caps[ck] = &capState{spent: getInt(caps, k), notice: len(v) > 8 && v[8] == 1}
		return nil
	})
}

// flushNotices writes the CapNotice markers that Admit set in memory since
// the last flush, one transaction per workspace that has any, so a restart
// does not send a cap's notice again in the same period. Close calls it.
func (s *Store) flushNotices() error {
	var errs []error
	for id, ws := range *s.workspaces.Load() {
		ws.mu.Lock()
		var keys []capKey
		for k, st := range ws.money.caps {
			if st.noticeUnsync {
				keys = append(keys, k)
			}
		}
		ws.mu.Unlock()
		if len(keys) == 0 {
			continue
		}
		err := s.update(func(tx *bolt.Tx) error {
			b, err := moneyBucket(tx, id)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := setCapNotice(b, k); err != nil {
					return err
				}
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ws.mu.Lock()
		for _, k := range keys {
			if st := ws.money.caps[k]; st != nil {
				st.noticeUnsync = false
			}
		}
		ws.mu.Unlock()
	}
	return errors.Join(errs...)
}

// setCapNotice records cap k's notice in workspace bucket ws, keeping its
// spend.
func setCapNotice(ws *bolt.Bucket, k capKey) error {
	b, err := ws.CreateBucketIfNotExists(bucketCaps)
	if err != nil {
		return err
	}
	key := capDiskKey(k)
	v := make([]byte, 9)
	copy(v, b.Get(key))
	v[8] = 1
	return b.Put(key, v)
}

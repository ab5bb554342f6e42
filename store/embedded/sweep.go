package embedded

import (
	"bytes"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Records with a lifetime (audit records of requests, settled markers, old
// cap counters, deliveries) are swept a few at a time by the writes that
// add them, so no background job runs and no single write grows with the
// backlog; reads filter by the same lifetimes, so a record past its time is
// gone for callers even before it is swept.

// sweepBefore deletes up to sweepBatch keys of b (which may be nil) that
// sort before limit, oldest first, calling gone with each (a copy) first.
func sweepBefore(b *bolt.Bucket, limit []byte, gone func(k []byte) error) error {
	return sweepBeforeN(b, limit, sweepBatch, gone)
}

// sweepBeforeN is sweepBefore of up to n keys.
func sweepBeforeN(b *bolt.Bucket, limit []byte, n int, gone func(k []byte) error) error {
	if b == nil {
		return nil
	}
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < n && bytes.Compare(k, limit) < 0; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if gone != nil {
			if err := gone(k); err != nil {
				return err
			}
		}
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// capCutoff is the time before which a cap period's start makes its counter
// old enough to drop: its period ended at least capRetention before now.
func capCutoff(now time.Time) time.Time { return now.Add(-capRetention - 31*24*time.Hour) }

// sweepMoney removes from workspace bucket ws up to n audit records of
// requests older than retention and n expired settled markers (a batch
// sweeps as many as it adds, so neither outgrows its lifetime), and a few
// cap counters past capCutoff, and returns the caps it removed so memory
// drops them too.
func sweepMoney(ws *bolt.Bucket, now time.Time, retention time.Duration, n int) ([]capKey, error) {
	if err := sweepBeforeN(ws.Bucket(bucketRequests), auditKey(now.Add(-retention), ""), n, nil); err != nil {
		return nil, err
	}
	markers := ws.Bucket(bucketSettled)
	err := sweepBeforeN(ws.Bucket(bucketSettledExp), auditKey(now, ""), n, func(k []byte) error {
		return markers.Delete(k[8:])
	})
	if err != nil {
		return nil, err
	}
	var swept []capKey
	err = sweepBefore(ws.Bucket(bucketCaps), auditKey(capCutoff(now), ""), func(k []byte) error {
		ck, err := parseCapKey(k)
		swept = append(swept, ck)
		return err
	})
	return swept, err
}

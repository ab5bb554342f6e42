package embedded

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// flush puts the batch's sums: each cap's spend, roll-up row and ledger
// usage row is read once and put once.
func (d *diskBatch) flush(bk settleBuckets) error {
	for _, c := range d.caps {
		d.scratch = appendCapDiskKey(d.scratch[:0], c.key)
		v := d.take(9)
		copy(v, bk.caps.Get(d.scratch))
		binary.BigEndian.PutUint64(v, uint64(addSat(int64(binary.BigEndian.Uint64(v)), c.spend)))
		if err := bk.caps.Put(d.scratch, v); err != nil {
			return err
		}
	}
	for i := range d.usage {
		if err := d.putUsage(bk.usage, &d.usage[i]); err != nil {
			return err
		}
	}
	for i := range d.ledger {
		if err := putLedgerUsage(bk.ledger, &d.ledger[i]); err != nil {
			return err
		}
	}
	return nil
}

// putUsage adds s to its roll-up row.
func (d *diskBatch) putUsage(b *bolt.Bucket, s *usageSum) error {
	old := b.Get(s.key)
	if old != nil && len(old) != 8*usageFieldN {
		return fmt.Errorf("usage row %x is malformed", s.key)
	}
	v := d.take(8 * usageFieldN)
	for i, n := range s.add {
		if old != nil {
			n = addSat(n, int64(binary.BigEndian.Uint64(old[8*i:])))
		}
		binary.BigEndian.PutUint64(v[8*i:], uint64(n))
	}
	return b.Put(s.key, v)
}

// usageTxID is the id of the ledger's usage row of hour for a member
// (member tokens) or a key.
func usageTxID(hour time.Time, member bool, who string) string {
	h := strconv.FormatInt(hour.Unix(), 10)
	if member {
		return h + ":m:" + who
	}
	return h + ":k:" + who
}

// putLedgerUsage subtracts l's cost from the ledger's usage row of its
// hour and member or key, making the row on its first charge. Ledger rows
// stay JSON, the form of every ledger entry: there is one per member or
// key and hour in a batch.
func putLedgerUsage(b *bolt.Bucket, l *ledgerSum) error {
	id := usageTxID(l.hour, l.member, l.who)
	key := auditKey(l.hour, id)
	tx := store.Transaction{ID: id, Kind: store.TxUsage, At: l.hour}
	if l.member {
		tx.Member = l.who
	} else {
		tx.Key = l.who
	}
	if v := b.Get(key); v != nil {
		if err := json.Unmarshal(v, &tx); err != nil {
			return fmt.Errorf("decode ledger row %q: %w", key, err)
		}
	}
	tx.Amount = subSat(tx.Amount, l.cost)
	return putJSON(b, key, &tx)
}

// putRequest appends rec to the audit trail of requests, in the binary
// form of appendRecord.
func (d *diskBatch) putRequest(b *bolt.Bucket, rec *store.RequestRecord) error {
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	d.scratch = appendRecord(d.scratch[:0], rec)
	v := d.keep(d.scratch)
	d.scratch = binary.BigEndian.AppendUint64(appendTimeKey(d.scratch[:0], rec.At), seq)
	return b.Put(d.scratch, v)
}

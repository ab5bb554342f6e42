package embedded

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// diskBatch writes the settlements of one batch. The balance, the caps'
// spend, the usage roll-ups and the ledger's usage rows are summed over
// the batch first and each is read and put once; markers and audit records
// are put one per settlement. Values live in arena, a shape chosen for
// speed: bolt keeps the values Put is given until the commit (it copies
// keys), so they would otherwise be one allocation each. The zero value is
// ready; reset readies it for another batch once the commit is over.
type diskBatch struct {
	arena   []byte // the current chunk; earlier full chunks stay with bolt until the commit
	scratch []byte // a key being built, for lookups
	usage   []usageSum
	caps    []capDelta
	ledger  []ledgerSum
}

// usageSum is a roll-up row's figures added by the batch.
type usageSum struct {
	key []byte // in arena
	add [usageFieldN]int64
}

// ledgerSum is what the batch charged one member or key in one hour.
type ledgerSum struct {
	hour   time.Time
	member bool   // a member's row, else a key's
	who    string // the member or token id
	cost   int64
}

// settleBuckets are the workspace's buckets a settlement writes.
type settleBuckets struct {
	ws, settled, settledExp, caps, usage, ledger, requests *bolt.Bucket
}

func (d *diskBatch) reset() {
	d.arena, d.scratch = d.arena[:0], d.scratch[:0]
	d.usage, d.caps = d.usage[:0], d.caps[:0]
	clear(d.ledger)
	d.ledger = d.ledger[:0]
}

// take returns n zero bytes of the arena, not handed out since reset.
func (d *diskBatch) take(n int) []byte {
	if cap(d.arena)-len(d.arena) < n {
		d.arena = make([]byte, 0, max(16<<10, n, 2*cap(d.arena)))
	}
	d.arena = d.arena[:len(d.arena)+n]
	b := d.arena[len(d.arena)-n : len(d.arena) : len(d.arena)]
	clear(b)
	return b
}

// keep copies b into the arena.
func (d *diskBatch) keep(b []byte) []byte {
	k := d.take(len(b))
	copy(k, b)
	return k
}

// int64 returns v big-endian in the arena.
func (d *diskBatch) int64(v int64) []byte {
	b := d.take(8)
	binary.BigEndian.PutUint64(b, uint64(v))
	return b
}

// appendTimeKey appends t in auditKey's form: byte order is time order.
func appendTimeKey(dst []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(t.UnixNano())^(1<<63))
}

// write records the settlements ps, all of one workspace, in tx: for each
// not settled before (see guard), the balance, the caps' spend, the usage
// roll-up, the ledger's usage row and the audit record; then it sweeps a
// few expired records. The balance is read from the transaction, so each
// plan's balance and alerts follow the commit order. bolt.DB.Batch may run
// it more than once; it sets every result afresh.
func (d *diskBatch) write(tx *bolt.Tx, ps []*settlement) error {
	d.usage, d.caps = d.usage[:0], d.caps[:0]
	clear(d.ledger)
	d.ledger = d.ledger[:0]
	bk, err := openSettleBuckets(tx, ps[0].ws)
	if err != nil {
		return err
	}
	bal := getInt(bk.ws, keyCredits)
	charged := false
	for _, p := range ps {
		p.fresh, p.balance, p.alerts, p.swept = false, bal, store.CreditAlerts{}, nil
		if fresh, err := d.guard(bk, p); err != nil || !fresh {
			if err != nil {
				return err
			}
			continue
		}
		before := bal
		bal = subSat(bal, p.st.Cost)
		p.fresh, p.balance, p.alerts, charged = true, bal, crossings(p.billing, before, bal), true
		d.add(p)
		if err := d.putRequest(bk.requests, &p.st.Record); err != nil {
			return err
		}
	}
	if charged {
		if err := bk.ws.Put(keyCredits, d.int64(bal)); err != nil {
			return err
		}
		if err := d.flush(bk); err != nil {
			return err
		}
	}
	last := ps[len(ps)-1]
	ps[0].swept, err = sweepMoney(bk.ws, last.now, last.retention, sweepBatch+len(ps))
	return err
}

// openSettleBuckets returns workspace id's money buckets, creating those
// missing.
func openSettleBuckets(tx *bolt.Tx, id string) (settleBuckets, error) {
	ws, err := moneyBucket(tx, id)
	if err != nil {
		return settleBuckets{}, err
	}
	bk := settleBuckets{ws: ws}
	for _, c := range [...]struct {
		b    **bolt.Bucket
		name []byte
	}{{&bk.settled, bucketSettled}, {&bk.settledExp, bucketSettledExp}, {&bk.caps, bucketCaps},
		{&bk.usage, bucketUsage}, {&bk.ledger, bucketLedger}, {&bk.requests, bucketRequests}} {
		if *c.b = ws.Bucket(c.name); *c.b == nil {
			if *c.b, err = ws.CreateBucket(c.name); err != nil {
				return settleBuckets{}, err
			}
		}
	}
	return bk, nil
}

// guard reports whether p charges: a repeat inside the batch does not; a
// settlement admission held charges when its hold is there (the hold is
// the guard: no marker is put), else it was settled before; any other is
// guarded by a marker (markSettled).
func (d *diskBatch) guard(bk settleBuckets, p *settlement) (bool, error) {
	switch {
	case p.again:
		return false, nil
	case p.st.Held:
		return p.h != nil, nil
	case p.st.RequestID == "":
		return true, nil
	}
	return d.markSettled(bk, p.st.RequestID, p.now)
}

// markSettled records request id as settled at now, unless it already is
// (by an earlier batch or earlier in this one): it reports whether it was
// not.
func (d *diskBatch) markSettled(bk settleBuckets, id string, now time.Time) (bool, error) {
	d.scratch = append(d.scratch[:0], id...)
	if bk.settled.Get(d.scratch) != nil {
		return false, nil
	}
	exp := now.Add(markerTTL)
	if err := bk.settled.Put(d.scratch, d.int64(exp.UnixNano())); err != nil {
		return false, err
	}
	d.scratch = append(appendTimeKey(d.scratch[:0], exp), id...)
	return true, bk.settledExp.Put(d.scratch, nil)
}

// add sums the charges of p, which was not settled before, into the
// batch's caps, roll-up rows and ledger rows.
func (d *diskBatch) add(p *settlement) {
	for _, c := range p.caps[:p.ncaps] {
		d.addCap(c)
	}
	rec := &p.st.Record
	d.scratch = appendUsageKey(d.scratch[:0], p.hour, rec)
	d.addUsage(d.scratch, rec, p.st.Cost)
	if p.st.Cost != 0 {
		d.addLedger(p.hour, rec, p.st.Cost)
	}
}

func (d *diskBatch) addCap(c capDelta) {
	for i := range d.caps {
		if d.caps[i].key == c.key {
			d.caps[i].spend = addSat(d.caps[i].spend, c.spend)
			return
		}
	}
	d.caps = append(d.caps, c)
}

// addUsage adds rec, charged cost, to the sum of roll-up row key. Batches
// hold few distinct rows, so a scan beats a map.
func (d *diskBatch) addUsage(key []byte, rec *store.RequestRecord, cost int64) {
	var s *usageSum
	for i := range d.usage {
		if string(d.usage[i].key) == string(key) {
			s = &d.usage[i]
			break
		}
	}
	if s == nil {
		d.usage = append(d.usage, usageSum{key: d.keep(key)})
		s = &d.usage[len(d.usage)-1]
	}
	t := rec.Tokens
	add := [usageFieldN]int64{1, b2i(rec.ToolCall), b2i(rec.Error), t.Input, t.Output, t.CachedRead, t.CachedWrite,
		t.Reasoning, cost}
	for i, v := range add {
		s.add[i] = addSat(s.add[i], v)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// addLedger adds cost to the batch's charge of rec's member (member tokens)
// or key in hour.
func (d *diskBatch) addLedger(hour time.Time, rec *store.RequestRecord, cost int64) {
	member, who := rec.Kind == "member", rec.TokenID
	if member {
		who = rec.MemberID
	}
	for i := range d.ledger {
		if l := &d.ledger[i]; l.member == member && l.who == who && l.hour.Equal(hour) {
			l.cost = addSat(l.cost, cost)
			return
		}
	}
	d.ledger = append(d.ledger, ledgerSum{hour: hour, member: member, who: who, cost: cost})
}

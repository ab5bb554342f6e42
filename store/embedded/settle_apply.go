package embedded

import (
	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// write records the settlement in tx: unless the request was settled
// before (its marker), the balance, the caps' spend, the usage roll-up, the
// ledger's usage row and the audit record, and it sweeps a few expired
// records. The balance is read from the transaction, so p.balance and
// p.alerts follow the commit order. bolt.DB.Batch may run it more than
// once; it sets every result afresh.
func (p *settlement) write(tx *bolt.Tx) error {
	p.fresh, p.balance, p.alerts, p.swept = false, 0, store.CreditAlerts{}, nil
	b, err := moneyBucket(tx, p.ws)
	if err != nil {
		return err
	}
	if id := p.st.RequestID; id != "" {
		fresh, err := markSettled(b, id, p.now)
		if err != nil {
			return err
		}
		if !fresh {
			p.balance = getInt(b, keyCredits)
			return nil
		}
	}
	p.fresh = true
	before := getInt(b, keyCredits)
	p.balance = before - p.st.Cost
	p.alerts = crossings(p.billing, before, p.balance)
	if err := putInt(b, keyCredits, p.balance); err != nil {
		return err
	}
	for _, c := range p.caps[:p.ncaps] {
		if err := addCapSpend(b, c.key, c.spend); err != nil {
			return err
		}
	}
	rec := &p.st.Record
	if err := addUsage(b, p.hour, rec, p.st.Cost); err != nil {
		return err
	}
	if err := addLedgerUsage(b, p.hour, rec, p.st.Cost); err != nil {
		return err
	}
	if err := putRequest(b, rec); err != nil {
		return err
	}
	p.swept, err = sweepMoney(b, p.now, p.retention)
	return err
}

// apply makes memory what write made the disk: it releases the hold and,
// when the request was charged, moves the balance and the caps' spend by
// the amounts written and corrects the per-minute token counters. The
// caller holds ws.mu.
func (ws *wsState) apply(p *settlement) {
	if h := p.h; h != nil {
		ws.money.held -= h.credits
		for _, k := range h.caps[:h.ncaps] {
			if st := ws.money.caps[k]; st != nil {
				st.held -= h.amount(k)
			}
		}
		delete(ws.money.holds, h.id)
		h.settling = false
		h.wake()
	}
	for _, k := range p.swept {
		delete(ws.money.caps, k)
	}
	if !p.fresh {
		return
	}
	ws.money.balance -= p.st.Cost
	for _, c := range p.caps[:p.ncaps] {
		st := ws.money.caps[c.key]
		if st == nil {
			st = &capState{}
			ws.money.caps[c.key] = st
		}
		st.spent += c.spend
	}
	if h := p.h; h != nil {
		for _, c := range h.tpm[:h.ntpm] {
			c.Correct(h.bucket, p.counted-h.counted)
		}
		return
	}
	for _, c := range p.tpm[:p.ntpm] {
		c.AddN(p.now, p.counted)
	}
}

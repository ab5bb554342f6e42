package embedded

// apply makes memory what write made the disk: it releases the hold and,
// when the request was charged, moves the balance and the caps' spend by
// the amounts written and corrects the per-minute token counters. The
// hold is then kept for reuse and p no longer refers to it. The caller
// holds ws.mu.
func (ws *wsState) apply(p *settlement) {
	ws.charge(p)
	if p.h != nil {
		ws.money.recycle(p.h)
		p.h = nil
	}
}

// charge is apply but for the hold's reuse.
func (ws *wsState) charge(p *settlement) {
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
	ws.money.balance = subSat(ws.money.balance, p.st.Cost)
	for _, c := range p.caps[:p.ncaps] {
		st := ws.money.caps[c.key]
		if st == nil {
			st = &capState{}
			ws.money.caps[c.key] = st
		}
		st.spent = addSat(st.spent, c.spend)
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

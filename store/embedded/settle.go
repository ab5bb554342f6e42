package embedded

import (
	"context"
	"fmt"
	"sync"

	"github.com/tollgate-dev/tollgate/store"
)

// Settle turns the hold of st.RequestID into spend (see store.Money.Settle
// and money.go): it is SettleBatch of one.
func (s *Store) Settle(ctx context.Context, st *store.Settlement, r *store.SettleResult) error {
	sts, rs := [1]*store.Settlement{st}, [1]store.SettleResult{}
	err := s.SettleBatch(ctx, sts[:], rs[:])
	*r = rs[0]
	return err
}

// SettleBatch settles each of sts as Settle would, in order, and writes
// rs[i] for sts[i] (see store.Money.SettleBatch). Per workspace it first
// settles a few expired holds, then claims the holds of its settlements
// under one lock; every workspace's settlements are written in one bbolt
// transaction, shared with concurrent commits (bolt.DB.Batch: one fsync for
// all of them), with the balance, caps, roll-ups and ledger rows summed
// over the batch before they are put; memory changes only after the commit.
// A batch that meets a hold another one is settling gives up its own
// claims, waits for that one to end and claims again, so no two batches
// wait for each other; the request is then settled before, and reports
// Settled false, as a repeat inside the batch does.
func (s *Store) SettleBatch(ctx context.Context, sts []*store.Settlement, rs []store.SettleResult) error {
	if len(rs) < len(sts) {
		return fmt.Errorf("embedded: %w: %d results for %d settlements", store.ErrInvalidSettlement, len(rs), len(sts))
	}
	for i, st := range sts {
		rs[i] = store.SettleResult{}
		if err := validateSettlement(st); err != nil {
			return fmt.Errorf("embedded: settlement %d: %w", i, err)
		}
	}
	if len(sts) == 0 {
		return nil
	}
	w := batchPool.Get().(*settleWork)
	defer w.free()
	if err := s.group(ctx, w, sts); err != nil {
		return err
	}
	if err := s.claimAll(ctx, w, sts); err != nil {
		return err
	}
	if err := s.commit(w); err != nil {
		return err
	}
	for _, g := range w.groups {
		for _, p := range g.ps {
			if p.slot >= 0 {
				rs[p.slot] = store.SettleResult{Settled: p.fresh, Balance: p.balance, CreditAlerts: p.alerts}
			}
		}
	}
	return nil
}

// settleWork is one SettleBatch (or one sweep of expired holds) worked
// out: its plans grouped by workspace, and the scratch space its write
// uses. It is pooled, a shape chosen for speed: a batch otherwise
// allocates a plan per settlement and the keys and values it puts.
type settleWork struct {
	groups []settleGroup
	plans  []settlement // backing store of the groups' plans
	disk   diskBatch
}

// settleGroup is the settlements of one workspace in a batch, in order:
// the expired holds it settles first, then the batch's own.
type settleGroup struct {
	id  string // the workspace's
	ws  *wsState
	idx []int // indexes into the batch of its settlements
	ps  []*settlement
}

var batchPool = sync.Pool{New: func() any { return new(settleWork) }}

// free returns w to the pool once nothing references its plans or buffers
// (the commit is over).
func (w *settleWork) free() {
	for i := range w.groups {
		g := &w.groups[i]
		clear(g.ps)
		*g = settleGroup{idx: g.idx[:0], ps: g.ps[:0]}
	}
	w.groups = w.groups[:0]
	clear(w.plans)
	w.plans = w.plans[:0]
	w.disk.reset()
	batchPool.Put(w)
}

// unplan drops every plan of w, whose claims are released.
func (w *settleWork) unplan() {
	for i := range w.groups {
		g := &w.groups[i]
		clear(g.ps)
		g.ps = g.ps[:0]
	}
	clear(w.plans)
	w.plans = w.plans[:0]
}

// newPlan returns a zeroed plan from w's backing store. Plans handed out
// stay valid: a full store is replaced, not grown in place.
func (w *settleWork) newPlan() *settlement {
	if len(w.plans) == cap(w.plans) {
		w.plans = make([]settlement, 0, max(8, 2*cap(w.plans)))
	}
	w.plans = w.plans[:len(w.plans)+1]
	return &w.plans[len(w.plans)-1]
}

// group looks up the workspace of every settlement and groups their
// indexes by workspace, in order of first appearance. ErrNotFound when a
// workspace does not exist: then nothing is applied.
func (s *Store) group(ctx context.Context, w *settleWork, sts []*store.Settlement) error {
	for i, st := range sts {
		g := w.groupOf(st.Workspace)
		if g == nil {
			ws, err := s.lookup(ctx, st.Workspace)
			if err != nil {
				return err
			}
			g = w.addGroup(st.Workspace, ws)
		}
		g.idx = append(g.idx, i)
	}
	return nil
}

// addGroup appends the group of workspace id, reusing the slices of a
// group an earlier batch left.
func (w *settleWork) addGroup(id string, ws *wsState) *settleGroup {
	n := len(w.groups)
	if n == cap(w.groups) {
		w.groups = append(w.groups, settleGroup{})
	}
	w.groups = w.groups[:n+1]
	g := &w.groups[n]
	*g = settleGroup{id: id, ws: ws, idx: g.idx[:0], ps: g.ps[:0]}
	return g
}

// groupOf returns the group of workspace id, or nil. Batches hold few
// workspaces, so a scan beats a map.
func (w *settleWork) groupOf(id string) *settleGroup {
	for i := range w.groups {
		if w.groups[i].id == id {
			return &w.groups[i]
		}
	}
	return nil
}

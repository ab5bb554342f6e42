package embedded

import (
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// moneyFixture is an open store with one workspace (limits l), one member,
// its member token and upstream "u", whose clock reads *now.
type moneyFixture struct {
	ctx context.Context
	s   *Store
	now *time.Time
	ws  string
	m   *store.Member
	tk  *store.Token
}

func newMoneyFixture(t *testing.T, l store.Limits) *moneyFixture {
	t.Helper()
	now := time.Date(2027, 3, 1, 12, 0, 30, 0, time.UTC)
	f := &moneyFixture{ctx: context.Background(), now: &now, ws: token.NewID()}
	s, err := Open(t.TempDir(), Options{Clock: func() time.Time { return *f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.s = s
	f.m = &store.Member{ID: token.NewID(), WorkspaceID: f.ws, Email: "a@example.com", Role: store.RoleMember}
	_, f.tk, err = store.NewToken(token.Member, f.ws, f.m.ID, "", now)
	for _, err := range []error{err,
		s.CreateWorkspace(f.ctx, &store.Workspace{ID: f.ws, Name: "w", Limits: l}),
		s.PutMember(f.ctx, f.m),
		s.CreateToken(f.ctx, f.tk),
		s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "u", BaseURL: "https://x", Kind: store.KindLLM}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// hold admits the member token holding h under id and fails unless allowed.
func (f *moneyFixture) hold(t *testing.T, id string, h limiter.Hold) {
	t.Helper()
	var d limiter.Decision
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tk.Hash, Upstream: "u", RequestID: id, Hold: h}
	if err := f.s.Admit(f.ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed || d.Held != h {
		t.Fatalf("Admit %s: %v %+v", id, err, d)
	}
}

// settlement of request id at cost, attributed as Settle fills it.
func (f *moneyFixture) settlement(id string, cost int64) store.Settlement {
	return store.Settlement{Workspace: f.ws, RequestID: id, Cost: cost, Record: store.RequestRecord{
		RequestID: id, TokenID: f.tk.ID, MemberID: f.m.ID, Kind: "member", Upstream: "u", Status: 200, Cost: cost}}
}

// keys counts the keys of child bucket name of the workspace on disk.
func (f *moneyFixture) keys(t *testing.T, name []byte) int {
	t.Helper()
	n := 0
	err := f.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWorkspaces).Bucket([]byte(f.ws)).Bucket(name)
		if b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailedSettleChangesNoMemory: when the write of a settlement fails,
// memory keeps the hold, the balance and the cap as they were, so memory
// and disk still agree, and a retry after the fault settles exactly once.
func TestFailedSettleChangesNoMemory(t *testing.T) {
	f := newMoneyFixture(t, store.Limits{MemberRPM: 100, MemberMonthlyCredits: 100 * store.MicroPerCredit})
	tx := store.Transaction{Kind: store.TxTopUp, Amount: 10 * store.MicroPerCredit}
	if _, err := f.s.AddCredits(f.ctx, f.ws, &tx); err != nil {
		t.Fatal(err)
	}
	f.hold(t, "r1", limiter.Hold{Credits: 2 * store.MicroPerCredit, Input: 100})
	st := f.settlement("r1", store.MicroPerCredit)
	hour := f.now.Truncate(time.Hour)
	bad := usageKey(hour, &st.Record)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketWorkspaces).Bucket([]byte(f.ws)).CreateBucketIfNotExists(bucketUsage)
		if err != nil {
			return err
		}
		return b.Put(bad, []byte("{not json"))
	}))
	var r store.SettleResult
	if err := f.s.Settle(f.ctx, &st, &r); err == nil {
		t.Fatalf("Settle over a corrupt usage row succeeded: %+v", r)
	}
	ws := f.s.workspace(f.ws)
	capKey := capKey{scope: limiter.ScopeMemberSpend, id: f.m.ID, period: store.PeriodStart(*f.now, 0).Unix()}
	check := func(balance, held, spent, capHeld int64, holds int, what string) {
		t.Helper()
		c, err := f.s.Credits(f.ctx, f.ws)
		must(err)
		ws.mu.Lock()
		cs := *ws.money.caps[capKey]
		n := len(ws.money.holds)
		ws.mu.Unlock()
		if c.Balance != balance || c.Held != held || cs.spent != spent || cs.held != capHeld || n != holds {
			t.Fatalf("%s: credits %+v cap %+v holds %d; want balance %d held %d, cap spent %d held %d, %d holds",
				what, c, cs, n, balance, held, spent, capHeld, holds)
		}
	}
	check(10*store.MicroPerCredit, 2*store.MicroPerCredit, 0, 2*store.MicroPerCredit, 1, "after the failed write")
	must(f.s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWorkspaces).Bucket([]byte(f.ws)).Bucket(bucketUsage).Delete(bad)
	}))
	must(f.s.Settle(f.ctx, &st, &r))
	if !r.Settled || r.Balance != 9*store.MicroPerCredit {
		t.Fatalf("retry: %+v, want settled at balance 9 credits", r)
	}
	check(9*store.MicroPerCredit, 0, store.MicroPerCredit, 0, 0, "after the retry")
	must(f.s.Settle(f.ctx, &st, &r))
	if r.Settled {
		t.Fatal("a third Settle charged again")
	}
}

// TestSettleSweepsExpiredRecords: the writes of Settle remove audit records
// past the retention, settled markers past a day and cap counters past
// their retention from the file, a bounded few at a time, and memory drops
// the swept caps, so nothing grows without bound.
func TestSettleSweepsExpiredRecords(t *testing.T) {
	f := newMoneyFixture(t, store.Limits{MemberRPM: 1000, MemberMonthlyCredits: 100 * store.MicroPerCredit})
	tx := store.Transaction{Kind: store.TxTopUp, Amount: 100 * store.MicroPerCredit}
	if _, err := f.s.AddCredits(f.ctx, f.ws, &tx); err != nil {
		t.Fatal(err)
	}
	settle := func(id string) {
		t.Helper()
		f.hold(t, id, limiter.Hold{Credits: 1})
		st := f.settlement(id, 1)
		var r store.SettleResult
		if err := f.s.Settle(f.ctx, &st, &r); err != nil || !r.Settled {
			t.Fatalf("Settle %s: %v %+v", id, err, r)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		settle(id)
	}
	if n := f.keys(t, bucketRequests); n != 3 {
		t.Fatalf("%d audit records, want 3", n)
	}
	*f.now = f.now.Add(DefaultRequestRetention + 48*time.Hour) // April 2: a new cap period
	settle("d")
	if n := f.keys(t, bucketRequests); n != 1 {
		t.Fatalf("%d audit records after the retention, want 1", n)
	}
	if n := f.keys(t, bucketSettled); n != 1 {
		t.Fatalf("%d settled markers after a day, want 1", n)
	}
	if n := f.keys(t, bucketCaps); n != 2 {
		t.Fatalf("%d cap counters, want March's and April's", n)
	}
	*f.now = f.now.Add(capRetention + 62*24*time.Hour)
	settle("e")
	if n := f.keys(t, bucketCaps); n != 1 {
		t.Fatalf("%d cap counters after their retention, want only the current one", n)
	}
	ws := f.s.workspace(f.ws)
	ws.mu.Lock()
	n := len(ws.money.caps)
	ws.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d cap counters in memory after the sweep, want 1", n)
	}
}

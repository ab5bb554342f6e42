package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testPlanCRUD: plans round-trip, PutPlan replaces, ListPlans is ordered by name.
// Plans are global, so the test uses names no other subtest shares.
func testPlanCRUD(t *testing.T, e *tenv) {
	pre := "p" + token.NewID()
	var names []string
	for i, n := range []string{"starter", "business", "free"} {
		p := &store.Plan{Name: pre + n, Seats: i + 1, Keys: 10, Limits: store.Limits{MemberRPM: int64(60 * (i + 1))}}
		ok(t, e.tm.PutPlan(e.ctx, p), "PutPlan")
		names = append(names, p.Name)
	}
	want := &store.Plan{Name: pre + "starter", Seats: 5, Keys: 0, Limits: store.Limits{MemberRPM: 1, KeyRPM: 2, WorkspaceRPM: 3}}
	ok(t, e.tm.PutPlan(e.ctx, want), "PutPlan replace")
	got, err := e.tm.GetPlan(e.ctx, want.Name)
	ok(t, err, "GetPlan")
	if *got != *want {
		t.Fatalf("GetPlan = %+v, want %+v", got, want)
	}
	_, err = e.tm.GetPlan(e.ctx, pre+"nosuch")
	isErr(t, err, store.ErrNotFound, "GetPlan unknown")
	list, err := e.tm.ListPlans(e.ctx)
	ok(t, err, "ListPlans")
	var all, mine []string
	for _, p := range list {
		all = append(all, p.Name)
		if slices.Contains(names, p.Name) {
			mine = append(mine, p.Name)
		}
	}
	slices.Sort(names)
	if !slices.IsSorted(all) || !slices.Equal(mine, names) {
		t.Fatalf("ListPlans names %v: want sorted, holding %v once each", all, names)
	}
}

// testAudit: entries come oldest first (time, then id) and every filter applies.
func testAudit(t *testing.T, e *tenv) {
	actors := []string{"m1", "m2", "m1", "", "m2", "m1"}
	offsets := []time.Duration{0, time.Second, time.Second, 2 * time.Second, 3 * time.Second, 10 * time.Second}
	var want []store.AuditEntry
	// Appended out of order: the store orders by time.
	for _, i := range []int{5, 0, 3, 1, 4, 2} {
		x := store.AuditEntry{ID: token.NewID(), WorkspaceID: e.ws, Time: at(offsets[i]), ActorKind: "member",
			ActorID: actors[i], ActorEmail: actors[i] + "@example.com", Action: "key.create",
			TargetKind: "key", TargetID: token.NewID(), Addr: "192.0.2.1:5000", Detail: "created"}
		if x.ActorID == "" {
			x.ActorKind, x.ActorEmail = "operator", ""
		}
		ok(t, e.tm.AppendAudit(e.ctx, &x), "AppendAudit")
		want = append(want, x)
	}
	slices.SortFunc(want, func(a, b store.AuditEntry) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	other := e.workspace(store.Limits{})
	ok(t, e.tm.AppendAudit(e.ctx, &store.AuditEntry{ID: token.NewID(), WorkspaceID: other, Time: at(0),
		ActorKind: "operator", Action: "x"}), "AppendAudit other workspace")
	q := func(what string, aq store.AuditQuery, idx ...int) {
		t.Helper()
		got, err := e.tm.ListAudit(e.ctx, e.ws, aq)
		ok(t, err, what)
		if len(got) != len(idx) {
			t.Fatalf("%s: %d entries %+v, want %d", what, len(got), got, len(idx))
		}
		for i, j := range idx {
			w := want[j]
			g := got[i]
			if g.ID != w.ID || !g.Time.Equal(w.Time) || g.ActorID != w.ActorID || g.ActorKind != w.ActorKind ||
				g.ActorEmail != w.ActorEmail || g.Action != w.Action || g.TargetKind != w.TargetKind ||
				g.TargetID != w.TargetID || g.Addr != w.Addr || g.Detail != w.Detail || g.WorkspaceID != e.ws {
				t.Fatalf("%s: entry %d = %+v, want %+v", what, i, g, w)
			}
		}
	}
	q("all", store.AuditQuery{}, 0, 1, 2, 3, 4, 5)
	q("since inclusive", store.AuditQuery{Since: at(time.Second)}, 1, 2, 3, 4, 5)
	q("until exclusive", store.AuditQuery{Until: at(3 * time.Second)}, 0, 1, 2, 3)
	q("since and until", store.AuditQuery{Since: at(2 * time.Second), Until: at(10 * time.Second)}, 3, 4)
	var m1 []int
	for i, w := range want {
		if w.ActorID == "m1" {
			m1 = append(m1, i)
		}
	}
	q("actor", store.AuditQuery{ActorID: "m1"}, m1...)
	q("limit", store.AuditQuery{Limit: 2}, 0, 1)
	q("after, same time as the next", store.AuditQuery{After: want[1].ID, Limit: 2}, 2, 3)
	q("after the last", store.AuditQuery{After: want[5].ID})
	q("actor, after and limit", store.AuditQuery{ActorID: "m1", After: want[m1[0]].ID, Limit: 1}, m1[1])
	if got, err := e.tm.ListAudit(e.ctx, token.NewID(), store.AuditQuery{}); (err != nil && !errors.Is(err, store.ErrNotFound)) || len(got) != 0 {
		t.Fatalf("ListAudit of an unknown workspace = %v, %v; want empty or ErrNotFound", got, err)
	}
}

package storetest

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testUpdateTokenLimits: UpdateTokenLimits replaces every limit of a token
// and the very next Admit applies the new set.
func testUpdateTokenLimits(t *testing.T, e *menv) {
	e.upstream("openai")
	e.topUp(e.ws, 100*credit)
	k := e.tok(token.Key, e.member(0))
	e.updateLimits(k, store.TokenLimits{RPM: 1})
	e.mustHold(k, "", limiter.Hold{})
	_, d := e.hold(k, "", limiter.Hold{})
	wantD(t, d, limiter.Limited, limiter.ScopeKey, 1, 0, "RPM 1")
	e.updateLimits(k, store.TokenLimits{TPM: 100})
	_, d = e.hold(k, "", limiter.Hold{Input: 101})
	wantD(t, d, limiter.Limited, limiter.ScopeKeyTokens, 100, 100, "TPM 100, RPM cleared")
	e.updateLimits(k, store.TokenLimits{Monthly: credit})
	_, d = e.hold(k, "", limiter.Hold{Credits: credit + 1, Input: 101})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeKeySpend, credit, credit, "monthly 1 credit, TPM cleared")
	e.updateLimits(k, store.TokenLimits{ModelRPM: map[string]int64{"gpt-4o": 1}})
	e.mustHold(k, "gpt-4o", limiter.Hold{Credits: 2 * credit})
	_, d = e.hold(k, "gpt-4o", limiter.Hold{})
	wantD(t, d, limiter.Limited, limiter.ScopeKeyModel, 1, 0, "model RPM 1, monthly cleared")
	last := store.TokenLimits{ModelLimits: map[string]store.ModelLimit{"gpt-4o": {TPM: 10}}}
	e.updateLimits(k, last)
	_, d = e.hold(k, "gpt-4o", limiter.Hold{Output: 11})
	wantD(t, d, limiter.Limited, limiter.ScopeKeyModelTokens, 10, 10, "model TPM 10, model RPM cleared")
	got, err := e.s.GetToken(e.ctx, e.ws, k.ID)
	ok(t, err, "GetToken")
	if got.RPM != 0 || got.TPM != 0 || got.Monthly != 0 || len(got.ModelRPM) != 0 || !reflect.DeepEqual(got.ModelLimits, last.ModelLimits) {
		t.Fatalf("token after updates %+v, want only %+v", got, last)
	}
	isErr(t, e.m.UpdateTokenLimits(e.ctx, e.ws, token.NewID(), last), store.ErrNotFound, "unknown token")
	other := e.workspace(store.Limits{})
	isErr(t, e.m.UpdateTokenLimits(e.ctx, other, k.ID, last), store.ErrNotFound, "token of another workspace")
}

// testSetBilling: SetBilling replaces the settings, the next Admit counts
// caps in the period of the new anchor, and bad settings are refused.
func testSetBilling(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: credit})
	mt := e.tok(token.Member, e.member(0))
	b := store.Billing{Anchor: 15, LowBalance: 2 * credit, AutoTopUpBelow: credit, AutoTopUpAmount: 10 * credit}
	e.setBilling(b)
	w, err := e.s.GetWorkspace(e.ctx, e.ws)
	ok(t, err, "GetWorkspace")
	if w.Billing != b {
		t.Fatalf("billing %+v, want %+v", w.Billing, b)
	}
	if _, d := e.hold(mt, "", limiter.Hold{}); d.Period != time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC).Unix() {
		t.Fatalf("decision %+v, want the period of 15 February", d)
	}
	for _, bad := range []store.Billing{{Anchor: 29}, {Anchor: -1}, {LowBalance: -1}, {AutoTopUpBelow: -1}, {AutoTopUpAmount: -1}} {
		if err := e.m.SetBilling(e.ctx, e.ws, bad); err == nil {
			t.Fatalf("SetBilling %+v accepted, want an error", bad)
		}
	}
	e.setBilling(store.Billing{})
	if _, d := e.hold(mt, "", limiter.Hold{}); d.Period != time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC).Unix() {
		t.Fatalf("decision %+v, want the calendar month from 1 March", d)
	}
	isErr(t, e.m.SetBilling(e.ctx, token.NewID(), b), store.ErrNotFound, "unknown workspace")
}

// webhook stores a receiver of the env workspace.
func (e *menv) webhook(url string, events ...string) store.Webhook {
	e.t.Helper()
	w := store.Webhook{ID: token.NewID(), WorkspaceID: e.ws, URL: url, Secret: "whsec-" + token.NewID(),
		Events: events, CreatedAt: e.clock.Now()}
	if err := e.m.CreateWebhook(e.ctx, &w); err != nil {
		e.t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

// sameHooks fails unless got equals want (times compared as instants).
func sameHooks(t *testing.T, got, want []store.Webhook, what string) {
	t.Helper()
	norm := func(ws []store.Webhook) []store.Webhook {
		out := slices.Clone(ws)
		for i := range out {
			out[i].CreatedAt = out[i].CreatedAt.UTC()
			if len(out[i].Events) == 0 {
				out[i].Events = nil
			}
		}
		return out
	}
	if !reflect.DeepEqual(norm(got), norm(want)) {
		t.Fatalf("%s: %+v, want %+v", what, got, want)
	}
}

// testWebhooks: receivers list by ID with their secret (storage form), and
// delete is ErrNotFound when absent or in another workspace.
func testWebhooks(t *testing.T, e *menv) {
	a := e.webhook("https://hooks.example.com/a", "credits.low", "cap.reached")
	b := e.webhook("https://hooks.example.com/b")
	hooks, err := e.m.ListWebhooks(e.ctx, e.ws)
	ok(t, err, "ListWebhooks")
	want := []store.Webhook{a, b}
	slices.SortFunc(want, func(x, y store.Webhook) int { return strings.Compare(x.ID, y.ID) })
	sameHooks(t, hooks, want, "two webhooks by ID")
	bad := store.Webhook{ID: token.NewID(), WorkspaceID: token.NewID(), URL: "https://x.example.com", Secret: "s", CreatedAt: e.clock.Now()}
	isErr(t, e.m.CreateWebhook(e.ctx, &bad), store.ErrNotFound, "webhook of an unknown workspace")
	other := e.workspace(store.Limits{})
	isErr(t, e.m.DeleteWebhook(e.ctx, other, a.ID), store.ErrNotFound, "delete from another workspace")
	ok(t, e.m.DeleteWebhook(e.ctx, e.ws, a.ID), "DeleteWebhook")
	isErr(t, e.m.DeleteWebhook(e.ctx, e.ws, a.ID), store.ErrNotFound, "delete twice")
	hooks, err = e.m.ListWebhooks(e.ctx, e.ws)
	ok(t, err, "ListWebhooks")
	sameHooks(t, hooks, []store.Webhook{b}, "after delete")
}

// delivery records one attempt of event to webhook wh at now.
func (e *menv) delivery(wh, event string, attempt, status int, done bool, now time.Time) store.Delivery {
	e.t.Helper()
	d := store.Delivery{ID: event + "." + wh + "." + strconv.Itoa(attempt), WebhookID: wh, WorkspaceID: e.ws,
		EventID: event, Event: "credits.low", Attempt: attempt, Status: status, At: now, Done: done}
	if status == 0 {
		d.Error = "connection refused"
	}
	if err := e.m.RecordDelivery(e.ctx, &d); err != nil {
		e.t.Fatalf("RecordDelivery: %v", err)
	}
	return d
}

// sameDeliveries fails unless got equals want in order.
func sameDeliveries(t *testing.T, got, want []store.Delivery, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d deliveries %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		g.At, w.At = g.At.UTC(), w.At.UTC()
		if g != w {
			t.Fatalf("%s: delivery %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// testDeliveries: deliveries read newest first, per webhook or all, up to a
// limit, and a delivery recorded again under its ID replaces the first.
func testDeliveries(t *testing.T, e *menv) {
	a, b := e.webhook("https://hooks.example.com/a"), e.webhook("https://hooks.example.com/b")
	d1 := e.delivery(a.ID, "ev1", 1, 0, false, at(time.Minute))
	d2 := e.delivery(a.ID, "ev1", 2, 500, false, at(2*time.Minute))
	d3 := e.delivery(b.ID, "ev1", 1, 200, true, at(3*time.Minute))
	read := func(ws, wh string, limit int) []store.Delivery {
		ds, err := e.m.Deliveries(e.ctx, ws, wh, limit)
		ok(t, err, "Deliveries")
		return ds
	}
	sameDeliveries(t, read(e.ws, "", 10), []store.Delivery{d3, d2, d1}, "all")
	sameDeliveries(t, read(e.ws, a.ID, 10), []store.Delivery{d2, d1}, "webhook a")
	sameDeliveries(t, read(e.ws, "", 2), []store.Delivery{d3, d2}, "limit 2")
	d2 = e.delivery(a.ID, "ev1", 2, 503, true, at(2*time.Minute))
	sameDeliveries(t, read(e.ws, "", 10), []store.Delivery{d3, d2, d1}, "after replacing attempt 2")
	other := e.workspace(store.Limits{})
	sameDeliveries(t, read(other, "", 10), nil, "another workspace")
	sameDeliveries(t, read(other, a.ID, 10), nil, "another workspace naming webhook a")
}

package admin

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
)

// TestWebhookSecretShownOnceAndDeliveriesListed: an owner or admin adds a
// receiver and gets its signing secret once; lists never show it; the
// delivery log reads per receiver and per workspace; delete removes it.
func TestWebhookSecretShownOnceAndDeliveriesListed(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("hooks")
			ws := ow.Workspace.ID
			base := "/v1/workspaces/" + ws + "/webhooks"
			_, adminTok := e.memberOf(ws, "admin@hooks.test", "admin")
			var made webhookCreated
			e.as(adminTok, http.StatusCreated, "POST", base, map[string]any{"url": "https://hooks.example.com/tollgate?t=1",
				"events": []string{notify.EventCreditsLow, notify.EventCapReached}}, &made)
			if !strings.HasPrefix(made.Secret, "whsec_") || len(made.Webhook.Events) != 2 {
				t.Fatalf("created %+v", made)
			}
			var all webhookCreated
			e.as(ow.Token, http.StatusCreated, "POST", base, map[string]any{"url": "http://billing.internal.example/alerts"}, &all)
			if len(all.Webhook.Events) != len(notify.EventTypes) {
				t.Fatalf("no events means every event: %+v", all.Webhook)
			}
			var list page[webhookView]
			e.as(ow.Token, http.StatusOK, "GET", base, nil, &list)
			if len(list.Items) != 2 {
				t.Fatalf("list %+v", list)
			}
			for _, s := range []string{made.Secret, all.Secret} {
				if x := e.responsesContaining(s); len(x) != 1 {
					t.Errorf("a secret appears in %d responses, want only its creation", len(x))
				}
			}
			stored, _ := e.money().ListWebhooks(context.Background(), ws)
			if len(stored) != 2 || stored[0].Secret == "" {
				t.Fatalf("stored %+v", stored)
			}
			for i, h := range []string{made.Webhook.ID, all.Webhook.ID, made.Webhook.ID} {
				d := &store.Delivery{ID: "ev" + itoa(int64(i)) + ".1", WebhookID: h, WorkspaceID: ws, EventID: "ev" + itoa(int64(i)),
					Event: notify.EventCreditsLow, Attempt: 1, Status: 200, At: e.now(), Done: true}
				if err := e.money().RecordDelivery(context.Background(), d); err != nil {
					t.Fatal(err)
				}
			}
			var ds page[deliveryView]
			e.as(adminTok, http.StatusOK, "GET", base+"/"+made.Webhook.ID+"/deliveries", nil, &ds)
			if len(ds.Items) != 2 || ds.Items[0].WebhookID != made.Webhook.ID {
				t.Fatalf("deliveries of one receiver %+v", ds.Items)
			}
			e.as(adminTok, http.StatusOK, "GET", "/v1/workspaces/"+ws+"/deliveries?limit=2", nil, &ds)
			if len(ds.Items) != 2 {
				t.Fatalf("workspace deliveries with limit=2: %+v", ds.Items)
			}
			e.as(adminTok, http.StatusOK, "DELETE", base+"/"+made.Webhook.ID, nil, nil)
			e.as(adminTok, http.StatusNotFound, "DELETE", base+"/"+made.Webhook.ID, nil, nil)
			e.as(adminTok, http.StatusNotFound, "GET", base+"/"+made.Webhook.ID+"/deliveries", nil, nil)
		})
	}
}

// TestWebhookURLsAndEventsValidated: bad URLs and events are refused naming
// the field; member callers may not aim at loopback or link-local
// addresses, while the operator (trusted, dev setups) may.
func TestWebhookURLsAndEventsValidated(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("hook rules")
	base := "/v1/workspaces/" + ow.Workspace.ID + "/webhooks"
	for _, c := range []struct {
		body   map[string]any
		status int
		msg    string
	}{
		{map[string]any{"url": ""}, 400, "url: required"},
		{map[string]any{"url": "ftp://x.example"}, 400, "url: scheme must be http or https"},
		{map[string]any{"url": "https://user:pw@x.example"}, 400, "url: must not contain user info"},
		{map[string]any{"url": "https://x.example/#f"}, 400, "url: must not have a fragment"},
		{map[string]any{"url": "https://x.example", "events": []string{"credits.gone"}}, 400, `events[0]: \"credits.gone\" is not an event type`},
		{map[string]any{"url": "https://x.example", "events": []string{"cap.reached", "cap.reached"}}, 400, "listed twice"},
		{map[string]any{"url": "http://127.0.0.1:9090/v1"}, 422, "url: 127.0.0.1 is a loopback address; webhooks must not point"},
		{map[string]any{"url": "http://169.254.169.254/latest"}, 422, "link-local"},
		{map[string]any{"url": "http://localhost/x"}, 422, "loopback"},
	} {
		s, b := e.doAuth("POST", base, c.body, "Bearer "+ow.Token)
		if s != c.status || !strings.Contains(string(b), c.msg) {
			t.Errorf("%v: %d %s, want %d %q", c.body, s, b, c.status, c.msg)
		}
	}
	e.must(http.StatusCreated, "POST", base, map[string]any{"url": "http://127.0.0.1:8080/hook"}, nil)
	for i := 1; i < maxWebhooks; i++ {
		e.must(http.StatusCreated, "POST", base, map[string]any{"url": "https://x.example/" + itoa(int64(i))}, nil)
	}
	e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "POST", base, map[string]any{"url": "https://x.example/full"}, "at most 10")
}

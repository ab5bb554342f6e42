package admin

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// TestMoneyResponsesMatchOpenAPI: real responses of the credits, ledger,
// voucher, billing, analytics, request-trail, webhook and key-limit routes
// decode against the schemas the document gives them.
func TestMoneyResponsesMatchOpenAPI(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	f := e.usageFixture()
	ws := "/v1/workspaces/{ws}"
	id := "" // the {id} of the next check
	check := func(method, pattern string, status int, tok string, body any) []byte {
		t.Helper()
		path := strings.NewReplacer("{ws}", f.ws, "{id}", id).Replace(pattern)
		got, raw := e.doAuth(method, path, body, "Bearer "+tok)
		if got != status {
			t.Fatalf("%s %s: %d %s", method, path, got, raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		route, _, _ := strings.Cut(pattern, "?")
		for _, b := range conforms(doc, schemaOf(t, doc, method, route, status), v, "body") {
			t.Errorf("%s %s: %s", method, pattern, b)
		}
		return raw
	}
	op := e.op
	check("POST", ws+"/credits/topup", 201, op, map[string]any{"credits": "3"})
	check("POST", ws+"/credits/adjust", 201, op, map[string]any{"amount": -1, "note": "n"})
	check("GET", ws+"/credits", 200, f.owner, nil)
	check("GET", ws+"/transactions", 200, f.owner, nil)
	check("PUT", ws+"/billing", 200, f.owner, map[string]any{"low_balance": 1})
	check("GET", ws+"/billing", 200, f.owner, nil)
	var v voucherCreated
	json.Unmarshal(check("POST", "/v1/vouchers", 201, op, map[string]any{"credits": "1", "expires_in": "1d"}), &v)
	check("GET", "/v1/vouchers", 200, op, nil)
	e.advance(time.Hour)
	check("POST", ws+"/vouchers/redeem", 200, f.owner, map[string]any{"code": v.Code})
	check("GET", "/v1/vouchers", 200, op, nil)
	check("GET", ws+"/usage?by=member&bucket=hour", 200, f.owner, nil)
	check("GET", ws+"/usage", 200, f.member, nil)
	check("GET", ws+"/usage/me?by=tool&bucket=day", 200, f.member, nil)
	check("GET", ws+"/requests", 200, f.owner, nil)
	var h webhookCreated
	json.Unmarshal(check("POST", ws+"/webhooks", 201, f.owner, map[string]any{"url": "https://h.example"}), &h)
	check("GET", ws+"/webhooks", 200, f.owner, nil)
	d := &store.Delivery{ID: "e.1", WebhookID: h.Webhook.ID, WorkspaceID: f.ws, EventID: "e", Event: "credits.low", Attempt: 1, Error: "timeout", At: e.now()}
	if err := e.money().RecordDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	check("GET", ws+"/deliveries", 200, f.owner, nil)
	id = h.Webhook.ID
	check("GET", ws+"/webhooks/{id}/deliveries", 200, f.owner, nil)
	check("DELETE", ws+"/webhooks/{id}", 200, f.owner, nil)
	id = f.keyID
	check("PATCH", ws+"/keys/{id}", 200, f.owner, map[string]any{"model_limits": map[string]any{"m": map[string]any{"monthly_tokens": 9}}})
	check("GET", ws, 200, f.owner, nil)
}

// TestMoneyBodiesRefuseUnknownFields: every new request body names an
// unknown field instead of ignoring it (Bifrost #5673).
func TestMoneyBodiesRefuseUnknownFields(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("fields")
	ws := "/v1/workspaces/" + ow.Workspace.ID
	var k keyResponse
	e.must(http.StatusCreated, "POST", ws+"/keys", map[string]any{"name": "k"}, &k)
	for _, c := range []struct{ method, path string }{
		{"POST", ws + "/credits/topup"}, {"POST", ws + "/credits/adjust"}, {"PUT", ws + "/billing"},
		{"POST", "/v1/vouchers"}, {"POST", ws + "/vouchers/redeem"}, {"POST", ws + "/webhooks"},
		{"PATCH", ws + "/keys/" + k.Key.ID}, {"PUT", ws + "/limits"}, {"PATCH", ws + "/members/" + ow.Owner.ID},
	} {
		e.mustFail(http.StatusBadRequest, CodeUnknownField, c.method, c.path, map[string]any{"credits_micro": 1}, `unknown field "credits_micro"`)
	}
}

package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/token"
)

// creditCall is one answer to a credit call made with an Idempotency-Key.
type creditCall struct {
	status   int
	replayed bool
	body     []byte
}

// postKeyed POSTs body to path as the operator with Idempotency-Key key
// ("" sends none). It reports errors instead of failing, so that
// goroutines may call it.
func (e *env) postKeyed(path, key string, body any) (creditCall, error) {
	j, err := json.Marshal(body)
	if err != nil {
		return creditCall{}, err
	}
	req, err := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(j))
	if err != nil {
		return creditCall{}, err
	}
	req.Header.Set("Authorization", "Bearer "+e.op)
	if key != "" {
		req.Header.Set(headerIdempotencyKey, key)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		return creditCall{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return creditCall{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed") == "true", body: b}, err
}

// TestRetriedTopUpCreditsOnce: an operator's client that retries a top-up
// (timeouts, concurrent retries) with one Idempotency-Key credits the
// workspace once; every retry answers the original transaction with 200,
// and credits.added is raised once, on both stores.
func TestRetriedTopUpCreditsOnce(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ws := e.workspace("retries")
			path := "/v1/workspaces/" + ws + "/credits/topup"
			const n = 16
			calls := make([]creditCall, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					calls[i], errs[i] = e.postKeyed(path, "order-4711", map[string]any{"credits": "25", "note": "invoice 4711"})
				})
			}
			close(start)
			wg.Wait()
			created, ids := 0, map[string]bool{}
			for i, c := range calls {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				var out transactionResponse
				if err := json.Unmarshal(c.body, &out); err != nil {
					t.Fatalf("call %d: %d %s", i, c.status, c.body)
				}
				switch {
				case c.status == http.StatusCreated && !c.replayed:
					created++
				case c.status == http.StatusOK && c.replayed:
				default:
					t.Fatalf("call %d: %d replayed=%v %s", i, c.status, c.replayed, c.body)
				}
				if tx := out.Transaction; tx.Amount != 25_000_000 || tx.Note != "invoice 4711" || *tx.Balance != 25_000_000 {
					t.Fatalf("call %d answered %+v", i, tx)
				}
				ids[out.Transaction.ID] = true
			}
			if created != 1 || len(ids) != 1 {
				t.Fatalf("%d calls created a transaction, %d distinct ids; want 1 and 1", created, len(ids))
			}
			var cr creditsView
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/credits", nil, &cr)
			var ledger page[transactionView]
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/transactions", nil, &ledger)
			if cr.Balance != 25_000_000 || len(ledger.Items) != 1 || !ids[ledger.Items[0].ID] {
				t.Fatalf("balance %d, ledger %+v; want one top-up of 25 credits", cr.Balance, ledger.Items)
			}
			if added := e.alertsOf(ws, notify.EventCreditsAdded); len(added) != 1 {
				t.Fatalf("credits.added raised %d times, want once", len(added))
			}
		})
	}
}

// TestIdempotencyKeyMisuseIsRefused: a key reused for a different request
// is a client bug, answered 409 naming the header rather than silently
// returning the other transaction; keys are per workspace; a malformed key
// is a 400 that names the header.
func TestIdempotencyKeyMisuseIsRefused(t *testing.T) {
	e := newEnvWith(t, "redis", nil)
	ws, other := e.workspace("misuse"), e.workspace("other")
	topUp := func(ws string) string { return "/v1/workspaces/" + ws + "/credits/topup" }
	adjust := "/v1/workspaces/" + ws + "/credits/adjust"
	first, err := e.postKeyed(topUp(ws), "k1", map[string]any{"credits": "5"})
	if err != nil || first.status != http.StatusCreated {
		t.Fatalf("first top-up: %d %s %v", first.status, first.body, err)
	}
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{topUp(ws), map[string]any{"credits": "6"}},
		{topUp(ws), map[string]any{"credits": "5", "note": "other"}},
		{adjust, map[string]any{"credits": "5", "note": "fix"}},
	} {
		got, err := e.postKeyed(c.path, "k1", c.body)
		if err != nil || got.status != http.StatusConflict || !strings.Contains(string(got.body), "Idempotency-Key: this key was used for a topup of 5 credits") {
			t.Fatalf("%s %v with a used key: %d %s %v", c.path, c.body, got.status, got.body, err)
		}
	}
	if got, err := e.postKeyed(topUp(other), "k1", map[string]any{"credits": "7"}); err != nil || got.status != http.StatusCreated {
		t.Fatalf("the same key in another workspace: %d %s %v", got.status, got.body, err)
	}
	for key, says := range map[string]string{
		strings.Repeat("k", 256): "want 1 to 255 characters",
		"caf\u00e9":              "want printable ASCII",
	} {
		got, err := e.postKeyed(topUp(ws), key, map[string]any{"credits": "1"})
		if err != nil || got.status != http.StatusBadRequest || !strings.Contains(string(got.body), "Idempotency-Key: "+says) {
			t.Fatalf("key %.20q: %d %s %v", key, got.status, got.body, err)
		}
	}
	var cr creditsView
	e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/credits", nil, &cr)
	if cr.Balance != 5_000_000 {
		t.Fatalf("balance %d after the refused calls, want 5 credits", cr.Balance)
	}
}

// TestIdempotentTxIDIsAStoreID: the derived id has the form every store
// takes (token.NewID's), is stable for a key and differs between keys and
// workspaces.
func TestIdempotentTxIDIsAStoreID(t *testing.T) {
	ids := map[string]string{}
	for _, ws := range []string{"AAAAAAAAAAAA", "BBBBBBBBBBBB"} {
		for _, key := range []string{"a", "b", "550e8400-e29b-41d4-a716-446655440000"} {
			id := idempotentTxID(ws, key)
			if !token.ValidID(id) || id != idempotentTxID(ws, key) {
				t.Fatalf("idempotentTxID(%s, %s) = %q: not a stable store id", ws, key, id)
			}
			if prev, dup := ids[id]; dup {
				t.Fatalf("%s and %s/%s share id %s", prev, ws, key, id)
			}
			ids[id] = fmt.Sprint(ws, "/", key)
		}
	}
}

// TestIdempotencyKeyDocumented: both credit routes declare the header and
// a replayed answer decodes against the 200 response the document gives,
// so API clients can rely on what they generate from it.
func TestIdempotencyKeyDocumented(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	ws := e.workspace("documented")
	for _, c := range []struct {
		route string
		body  map[string]any
	}{
		{"/v1/workspaces/{ws}/credits/topup", map[string]any{"credits": "2"}},
		{"/v1/workspaces/{ws}/credits/adjust", map[string]any{"credits": "-1", "note": "n"}},
	} {
		op := doc["paths"].(map[string]any)[c.route].(map[string]any)["post"].(map[string]any)
		params, _ := json.Marshal(op["parameters"])
		if !strings.Contains(string(params), "#/components/parameters/IdempotencyKey") {
			t.Fatalf("%s declares no Idempotency-Key: %s", c.route, params)
		}
		path := strings.ReplaceAll(c.route, "{ws}", ws)
		var last creditCall
		for range 2 {
			var err error
			if last, err = e.postKeyed(path, "doc-"+c.route, c.body); err != nil {
				t.Fatal(err)
			}
		}
		var v any
		if err := json.Unmarshal(last.body, &v); err != nil || last.status != http.StatusOK {
			t.Fatalf("replay of %s: %d %s", c.route, last.status, last.body)
		}
		for _, b := range conforms(doc, schemaOf(t, doc, "POST", c.route, http.StatusOK), v, "body") {
			t.Errorf("POST %s replay: %s", c.route, b)
		}
	}
}

package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// pricingWithDefault is testPricing with a default of 0.5 credits per
// request whose model the gateway cannot read.
const pricingWithDefault = testPricing + "  default_request_credits: 0.5\n"

// halfCredit is pricingWithDefault's default_request_credits in µc.
const halfCredit = store.MicroPerCredit / 2

// Usage of the Responses answers of unnamedLLM, and its tokens.
const responsesUsage = `{"input_tokens":100,"output_tokens":20,"total_tokens":120}`

var responsesTokens = store.Tokens{Input: 100, Output: 20}

// unnamedLLM is a loopback upstream for requests that name no model: POST
// /v1/batches and /v1/files answer a JSON object without usage, POST
// /v1/responses (a stored prompt) answers with usage for the model named by
// the query's model parameter, and GET answers a batch. It records the
// paths it served.
type unnamedLLM struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newUnnamedLLM(t testing.TB) *unnamedLLM {
	u := &unnamedLLM{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.paths = append(u.paths, r.Method+" "+r.URL.Path)
		u.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/responses"):
			writeJSON(w, `{"id":"resp_1","object":"response","model":"`+r.URL.Query().Get("model")+`","output":[],"usage":`+responsesUsage+`}`)
		case strings.HasSuffix(r.URL.Path, "/files"):
			writeJSON(w, `{"id":"file-1","object":"file","purpose":"batch"}`)
		default:
			writeJSON(w, `{"id":"batch_1","object":"batch","status":"validating"}`)
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *unnamedLLM) served() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.paths...)
}

const batchBody = `{"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h"}`

// TestUnnamedRequestRefusedWithoutDefault checks that, with pricing on and
// no default_request_credits, a POST to an LLM upstream whose model the
// gateway cannot read (a batch, a multipart upload) is refused with 400
// unmetered_request instead of being served free without a balance check;
// it never reaches the upstream and is audited at no cost, while a GET
// (which does no paid work) still passes.
func TestUnnamedRequestRefusedWithoutDefault(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e := open(t, mopts{})
		up := newUnnamedLLM(t)
		e.addUpstream("openai", up.URL)
		resp := e.post("/openai/v1/batches", batchBody)
		body := readAll(t, resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(body, `"code":"unmetered_request"`) ||
			!strings.Contains(body, "default_request_credits") {
			t.Fatalf("batch with 0 credits: status %d %s, want 400 unmetered_request naming default_request_credits", resp.StatusCode, body)
		}
		resp = e.post("/openai/v1/files", "--x\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--x--\r\n")
		assertError(t, resp, 400, "unmetered_request")
		if got := up.served(); len(got) != 0 {
			t.Fatalf("upstream served %v", got)
		}
		req, err := http.NewRequest("GET", e.url+"/openai/v1/batches/batch_1", nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+e.secret)
		get, err := client.Do(req)
		must(t, err)
		if b := readAll(t, get.Body); get.StatusCode != 200 {
			t.Fatalf("GET: status %d %s", get.StatusCode, b)
		}
		for _, r := range e.settled(3) {
			if r.Cost != 0 {
				t.Fatalf("record %+v charged", r)
			}
		}
		if n := e.counter("tollgate_denials_total", "reason", "unmetered_request"); n != 2 {
			t.Fatalf("denials unmetered_request = %v, want 2", n)
		}
	})
}

// TestUnnamedRequestPassesWhenMeteringOff checks that without a price
// table nothing is refused: a batch passes and costs nothing.
func TestUnnamedRequestPassesWhenMeteringOff(t *testing.T) {
	e := newMenv(t, "embedded", mopts{noPricing: true})
	up := newUnnamedLLM(t)
	e.addUpstream("openai", up.URL)
	if resp := e.post("/openai/v1/batches", batchBody); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if r := e.settled(1)[0]; r.Cost != 0 {
		t.Fatalf("record %+v", r)
	}
}

// TestUnnamedRequestHoldsAndChargesDefault checks that with
// default_request_credits a request naming no model is admitted only when
// the balance covers that default (402 otherwise, upstream untouched) and
// is charged it when its answer carries no usage.
func TestUnnamedRequestHoldsAndChargesDefault(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		poor := open(t, mopts{pricing: pricingWithDefault, credits: halfCredit - 1})
		up := newUnnamedLLM(t)
		poor.addUpstream("openai", up.URL)
		assertError(t, poor.post("/openai/v1/batches", batchBody), 402, "insufficient_credits")
		if got := up.served(); len(got) != 0 {
			t.Fatalf("upstream served %v", got)
		}

		e := open(t, mopts{pricing: pricingWithDefault, credits: hundred})
		e.addUpstream("openai", up.URL)
		if resp := e.post("/openai/v1/batches", batchBody); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if r := e.settled(1)[0]; r.Cost != halfCredit || r.Model != "" {
			t.Fatalf("record %+v, want the default %d", r, halfCredit)
		}
		if c := e.credits(); c.Balance != hundred-halfCredit || c.Held != 0 {
			t.Fatalf("credits %+v", c)
		}
	})
}

// TestUnnamedRequestChargedByResponseModel checks that a request naming no
// model (a Responses call with a stored prompt) is charged its usage at the
// price of the model the answer names, and the default when that model has
// no price (it must not cost nothing while unknown_model is refuse).
func TestUnnamedRequestChargedByResponseModel(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e := open(t, mopts{pricing: pricingWithDefault, credits: hundred})
		up := newUnnamedLLM(t)
		e.addUpstream("openai", up.URL)
		const body = `{"prompt":{"id":"pmpt_1","version":"2"},"input":"hi"}`
		_ = readAll(t, e.post("/openai/v1/responses?model=gpt-test", body).Body)
		rec := e.settled(1)[0]
		want := e.cost("gpt-test", responsesTokens)
		if rec.Cost != want || rec.Model != "gpt-test" || rec.Tokens != responsesTokens {
			t.Fatalf("priced answer: record %+v, want cost %d", rec, want)
		}
		_ = readAll(t, e.post("/openai/v1/responses?model=mystery-model", body).Body)
		rec = e.settled(2)[0]
		if rec.Cost != halfCredit || rec.Model != "mystery-model" || rec.Tokens != responsesTokens {
			t.Fatalf("unpriced answer: record %+v, want the default %d", rec, halfCredit)
		}
		if c := e.credits(); c.Balance != hundred-want-halfCredit || c.Held != 0 {
			t.Fatalf("credits %+v", c)
		}
		if n := e.counter("tollgate_settled_at_estimate_total", "reason", "unpriced_model"); n != 1 {
			t.Fatalf("settled at estimate (unpriced_model) = %v, want 1", n)
		}
	})
}

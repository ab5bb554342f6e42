package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

// fileSource is tollgate serve's PricingSource in miniature: the pricing
// section of a real config file, reloaded into a real meter.Book.
type fileSource struct {
	*meter.Book
	path string
}

func (f fileSource) Reload() error {
	cfg, err := config.Load(f.path, nil)
	if err != nil {
		return err
	}
	return f.Book.Reload(cfg.Pricing)
}

// newPricingEnv serves the admin API over a real embedded store with src as its pricing source.
func newPricingEnv(t *testing.T, src PricingSource) *env {
	t.Helper()
	op, err := token.New(token.Operator, token.OperatorWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, op: op, reg: prometheus.NewRegistry()}
	e.clock.Store(testNow.UnixNano())
	st, err := embedded.Open(t.TempDir(), embedded.Options{Clock: e.now})
	if err != nil {
		t.Fatal(err)
	}
	e.store, e.backend = st, st
	e.srv = httptest.NewServer(New(Deps{Store: st, OperatorHash: token.HashOf([]byte(op)), Clock: e.now, Pricing: src}))
	t.Cleanup(func() { e.srv.Close(); st.Close() })
	return e
}

// writePricing writes a config file whose pricing section is yaml.
func writePricing(t *testing.T, path, yaml string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("pricing:\n"+yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkSchema fails when body departs from the OpenAPI schema of the route.
func checkSchema(t *testing.T, method, pattern string, status int, body []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: %v", method, pattern, err)
	}
	for _, b := range conforms(doc, schemaOf(t, doc, method, pattern, status), v, "body") {
		t.Errorf("%s %s: %s", method, pattern, b)
	}
}

// TestPricingReloadKeepsLastGoodTable: a bad file is refused with the entry
// named and charging goes on by the old table; a good file takes effect.
func TestPricingReloadKeepsLastGoodTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	writePricing(t, path, "  models: {gpt-4o: {input: 2.5, output: 10}}\n")
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	book, err := meter.NewBook(cfg.Pricing)
	if err != nil {
		t.Fatal(err)
	}
	e := newPricingEnv(t, fileSource{book, path})
	var v meter.TableView
	e.must(http.StatusOK, "GET", "/v1/pricing", nil, &v)
	if !v.Enabled || v.Models["gpt-4o"].Input != "2.5" || v.Models["gpt-4o"].CachedRead != "2.5" {
		t.Fatalf("GET /v1/pricing = %+v", v)
	}

	writePricing(t, path, "  models: {gpt-4o: {input: 3, output: abc}}\n")
	e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "POST", "/v1/pricing/reload", nil,
		`pricing.models["gpt-4o"].output: "abc" is not a decimal number`, "the last good table stays")
	e.must(http.StatusOK, "GET", "/v1/pricing", nil, &v)
	if v.Models["gpt-4o"].Input != "2.5" {
		t.Fatalf("a refused reload changed the table: %+v", v)
	}

	writePricing(t, path, "  models: {gpt-4o: {input: 3, output: 12}}\n  tools: {mcp-github: {default: 0.01}}\n")
	status, body := e.do("POST", "/v1/pricing/reload", nil)
	if status != http.StatusOK {
		t.Fatalf("reload: %d %s", status, body)
	}
	checkSchema(t, "POST", "/v1/pricing/reload", status, body)
	if p, _ := book.Load().Price("gpt-4o"); p.Input != 3_000_000 || p.Output != 12_000_000 {
		t.Fatalf("the book did not take the new table: %+v", p)
	}
	var audit struct{ Items []auditView }
	e.must(http.StatusOK, "GET", "/v1/audit", nil, &audit)
	if n := len(audit.Items); n != 1 || audit.Items[0].Action != "pricing.reload" || audit.Items[0].Detail != "1 models, 1 tool upstreams" {
		t.Fatalf("audit after one good and one refused reload: %+v", audit.Items)
	}
}

// TestPricingResponsesMatchOpenAPI: the table as served decodes against its documented schema, on and off.
func TestPricingResponsesMatchOpenAPI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	writePricing(t, path, `  unknown_model: default
  default: {input: 1, output: 4}
  models: {gpt-4o: {input: 2.5, output: 10, reasoning: 12}, "claude-*": {input: 3, output: 15}}
  tools: {mcp-github: {default: 0.01, tools: {create_issue: 0.05}}}
`)
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	book, err := meter.NewBook(cfg.Pricing)
	if err != nil {
		t.Fatal(err)
	}
	status, body := newPricingEnv(t, fileSource{book, path}).do("GET", "/v1/pricing", nil)
	checkSchema(t, "GET", "/v1/pricing", status, body)
	status, body = newPricingEnv(t, fileSource{&meter.Book{}, path}).do("GET", "/v1/pricing", nil)
	if string(body) != "{\"enabled\":false}\n" {
		t.Fatalf("metering off shows %s", body)
	}
	checkSchema(t, "GET", "/v1/pricing", status, body)
}

// TestPricingWithoutSource: an admin API built without a pricing source shows metering off and cannot reload.
func TestPricingWithoutSource(t *testing.T) {
	e := newEnv(t)
	var v meter.TableView
	e.must(http.StatusOK, "GET", "/v1/pricing", nil, &v)
	if v.Enabled {
		t.Fatalf("got %+v, want metering off", v)
	}
	e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "POST", "/v1/pricing/reload", nil, "no price table source")
}

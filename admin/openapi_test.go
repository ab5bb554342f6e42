package admin

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// TestEveryRouteIsDocumented: the OpenAPI document must list every
// registered route, and nothing that is not one.
func TestEveryRouteIsDocumented(t *testing.T) {
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("admin/openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	registered := map[string]bool{"GET /metrics": true}
	for _, rt := range (&api{}).routes() {
		registered[rt.method+" "+rt.pattern] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("route %s is registered but missing from admin/openapi.json", r)
		}
	}
	for d := range documented {
		if !registered[d] {
			t.Errorf("admin/openapi.json documents %s, which is not a registered route", d)
		}
	}
}

// TestEveryRouteIsServed: each route in the table reaches its handler through
// the real mux (never the catch-all 404 for unknown endpoints).
func TestEveryRouteIsServed(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("routes")
	wild := regexp.MustCompile(`\{[a-z]+\}`)
	for _, rt := range (&api{}).routes() {
		path := strings.ReplaceAll(rt.pattern, "{ws}", ws)
		path = wild.ReplaceAllString(path, "x")
		_, body := e.do(rt.method, path, nil)
		if strings.Contains(string(body), "no such endpoint") {
			t.Errorf("%s %s fell through to the catch-all", rt.method, rt.pattern)
		}
	}
	e.mustFail(http.StatusNotFound, CodeNotFound, "GET", "/v1/nothing", nil, "no such endpoint")
}

// TestOpenAPIServedWithoutToken: clients fetch the document before they have a token.
func TestOpenAPIServedWithoutToken(t *testing.T) {
	e := newEnv(t)
	status, body := e.doAuth("GET", "/v1/openapi.json", nil, "")
	if status != http.StatusOK || string(body) != string(openAPI) {
		t.Fatalf("status %d, body differs from the embedded document", status)
	}
}

package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// schemaOf returns the JSON schema the OpenAPI document gives for the
// response of method path with status.
func schemaOf(t *testing.T, doc map[string]any, method, path string, status int) map[string]any {
	t.Helper()
	defer func() {
		if recover() != nil {
			t.Fatalf("admin/openapi.json has no JSON schema for %s %s %d", method, path, status)
		}
	}()
	op := doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	resp := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	return resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
}

// conforms lists where v departs from schema: a wrong type, a missing
// required property, or a property the schema does not document.
func conforms(doc, schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		schema = doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
	var bad []string
	switch schema["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{at + ": not an object"}
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asSlice(schema["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				bad = append(bad, fmt.Sprintf("%s: required %q missing", at, r))
			}
		}
		for k, x := range obj {
			if props == nil {
				continue
			}
			ps, ok := props[k].(map[string]any)
			if !ok {
				bad = append(bad, fmt.Sprintf("%s: property %q is not documented", at, k))
				continue
			}
			bad = append(bad, conforms(doc, ps, x, at+"."+k)...)
		}
	case "array":
		items, _ := schema["items"].(map[string]any)
		for i, x := range asSlice(v) {
			bad = append(bad, conforms(doc, items, x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad = append(bad, at+": not a string")
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			bad = append(bad, at+": not an integer")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad = append(bad, at+": not a boolean")
		}
	}
	return bad
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// TestResponsesMatchOpenAPI: real responses of workspace creation, member
// removal, invitation acceptance and /v1/me decode against the schemas the
// document gives them: every required field present, nothing undocumented.
func TestResponsesMatchOpenAPI(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	check := func(method, pattern string, status int, body []byte) {
		t.Helper()
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s %s: %v", method, pattern, err)
		}
		for _, b := range conforms(doc, schemaOf(t, doc, method, pattern, status), v, "body") {
			t.Errorf("%s %s: %s", method, pattern, b)
		}
	}
	status, body := e.do("POST", "/v1/workspaces", map[string]any{"name": "doc", "owner_email": "o@doc.test"})
	var ow ownedWorkspaceResponse
	if status != http.StatusCreated || json.Unmarshal(body, &ow) != nil {
		t.Fatalf("create workspace: %d %s", status, body)
	}
	check("POST", "/v1/workspaces", status, body)
	ws := ow.Workspace.ID
	check("GET", "/v1/me", http.StatusOK, e.as(ow.Token, http.StatusOK, "GET", "/v1/me", nil, nil))
	inv := e.invite(ow.Token, ws, "p@doc.test")
	status, accepted := e.accept(inv.Code)
	var acc acceptResponse
	if status != http.StatusCreated || json.Unmarshal([]byte(accepted), &acc) != nil {
		t.Fatalf("accept: %d %s", status, accepted)
	}
	check("POST", "/v1/invitations:accept", status, []byte(accepted))
	removed := e.as(ow.Token, http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/members/"+acc.Member.ID+"?revoke_keys=true", nil, nil)
	check("DELETE", "/v1/workspaces/{ws}/members/{id}", http.StatusOK, removed)
}

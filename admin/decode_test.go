package admin

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadBodiesAreRefusedNamingTheField: unknown fields, wrong types and
// invalid values are 400s whose message names the field to fix.
func TestBadBodiesAreRefusedNamingTheField(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("decode")
	base := "/v1/workspaces/" + ws
	up := func(extra map[string]any) map[string]any {
		m := map[string]any{"name": "openai", "base_url": "https://api.openai.com/v1", "kind": "llm"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
		msg                []string
	}{
		{"unknown top field", "POST", "/v1/workspaces", `{"name":"a","nmae":"b"}`, 400, CodeUnknownField, []string{`"nmae"`, "name, plan, owner_email, limits"}},
		{"unknown nested field", "POST", "/v1/workspaces", `{"name":"a","limits":{"member_rp":1}}`, 400, CodeUnknownField, []string{`"limits.member_rp"`}},
		{"case variant is unknown", "POST", "/v1/workspaces", `{"Name":"a"}`, 400, CodeUnknownField, []string{`"Name"`}},
		{"unknown member field", "POST", base + "/members", `{"email":"a@b.co","role":"member","team":"x"}`, 400, CodeUnknownField, []string{`"team"`}},
		{"unknown upstream field", "POST", base + "/upstreams", up(map[string]any{"api_key": "x"}), 400, CodeUnknownField, []string{`"api_key"`}},
		{"name on upstream PUT", "PUT", base + "/upstreams/openai", up(nil), 400, CodeUnknownField, []string{`"name"`}},
		{"wrong type", "POST", "/v1/workspaces", `{"name":"a","limits":{"member_rpm":"many"}}`, 400, CodeInvalidRequest, []string{"limits.member_rpm", "integer"}},
		{"not JSON", "POST", "/v1/workspaces", `{"name":`, 400, CodeInvalidRequest, []string{"JSON"}},
		{"trailing garbage", "POST", "/v1/workspaces", `{"name":"a"} x`, 400, CodeInvalidRequest, []string{"JSON"}},
		{"array body", "POST", "/v1/workspaces", `[1]`, 400, CodeInvalidRequest, []string{"JSON object"}},
		{"empty body", "POST", "/v1/workspaces", ``, 400, CodeInvalidRequest, []string{"body is required"}},
		{"missing name", "POST", "/v1/workspaces", `{}`, 400, CodeInvalidRequest, []string{"name: required"}},
		{"long name", "POST", "/v1/workspaces", map[string]any{"name": strings.Repeat("a", 101)}, 400, CodeInvalidRequest, []string{"name: at most"}},
		{"negative limit", "POST", "/v1/workspaces", `{"name":"a","owner_email":"a@x.io","limits":{"key_rpm":-1}}`, 400, CodeInvalidRequest, []string{"limits.key_rpm"}},
		{"limits missing field", "PUT", base + "/limits", `{"member_rpm":1,"key_rpm":1}`, 400, CodeInvalidRequest, []string{"workspace_rpm: required"}},
		{"bad email", "POST", base + "/members", `{"email":"Alice <a@b.co>","role":"member"}`, 400, CodeInvalidRequest, []string{"email"}},
		{"bad role", "POST", base + "/members", `{"email":"a@b.co","role":"god"}`, 400, CodeInvalidRequest, []string{"role"}},
		{"negative member rpm", "POST", base + "/members", `{"email":"a@b.co","role":"member","rpm":-5}`, 400, CodeInvalidRequest, []string{"rpm"}},
		{"key without name", "POST", base + "/keys", `{}`, 400, CodeInvalidRequest, []string{"name: required"}},
		{"key bad upstream", "POST", base + "/keys", `{"name":"ci","upstreams":["Open AI"]}`, 400, CodeInvalidRequest, []string{"upstreams[0]"}},
		{"key past expiry", "POST", base + "/keys", `{"name":"ci","expires_at":"2020-01-01T00:00:00Z"}`, 400, CodeInvalidRequest, []string{"expires_at", "future"}},
		{"key bad expiry", "POST", base + "/keys", `{"name":"ci","expires_at":"tomorrow"}`, 400, CodeInvalidRequest, []string{"expires_at", "RFC 3339"}},
		{"upstream bad name", "POST", base + "/upstreams", up(map[string]any{"name": "-x"}), 400, CodeInvalidRequest, []string{"name"}},
		{"upstream upper name", "POST", base + "/upstreams", up(map[string]any{"name": "OpenAI"}), 400, CodeInvalidRequest, []string{"name"}},
		{"upstream long name", "POST", base + "/upstreams", up(map[string]any{"name": strings.Repeat("a", 64)}), 400, CodeInvalidRequest, []string{"name"}},
		{"upstream ftp", "POST", base + "/upstreams", up(map[string]any{"base_url": "ftp://x"}), 400, CodeInvalidRequest, []string{"base_url", "scheme"}},
		{"upstream relative", "POST", base + "/upstreams", up(map[string]any{"base_url": "/v1"}), 400, CodeInvalidRequest, []string{"base_url"}},
		{"upstream userinfo", "POST", base + "/upstreams", up(map[string]any{"base_url": "https://u:sekrit@x.io"}), 400, CodeInvalidRequest, []string{"base_url", "user info"}},
		{"upstream kind", "POST", base + "/upstreams", up(map[string]any{"kind": "grpc"}), 400, CodeInvalidRequest, []string{"kind"}},
		{"upstream header", "POST", base + "/upstreams", up(map[string]any{"auth_header": "X Key"}), 400, CodeInvalidRequest, []string{"auth_header"}},
		{"too large", "POST", "/v1/workspaces", `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, CodeRequestTooLarge, []string{"exceeds"}},
	}
	e.must(http.StatusCreated, "POST", base+"/upstreams", up(nil), nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			e.mustFail(tc.status, tc.code, tc.method, tc.path, tc.body, tc.msg...)
		})
	}
	for _, x := range e.responsesContaining("sekrit") {
		t.Errorf("%s %s echoed a secret from base_url: %s", x.method, x.path, x.body)
	}
}

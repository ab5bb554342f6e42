package admin

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/token"
)

// TestAuthRefusesAllButTheOperatorToken: every /v1 endpoint answers 401 to a
// missing, malformed, wrong-kind or wrong operator token.
func TestAuthRefusesAllButTheOperatorToken(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("auth")
	other, _ := token.New(token.Operator, token.OperatorWorkspace)
	member, _ := token.New(token.Member, ws)
	bad := map[string]string{
		"missing":        "",
		"no scheme":      e.op,
		"basic":          "Basic " + e.op,
		"garbage":        "Bearer tgo_nope",
		"member token":   "Bearer " + member,
		"other operator": "Bearer " + other,
		"truncated":      "Bearer " + e.op[:len(e.op)-1],
	}
	wild := regexp.MustCompile(`\{[a-z]+\}`)
	for name, auth := range bad {
		for _, rt := range (&api{}).routes() {
			if rt.public {
				continue
			}
			path := wild.ReplaceAllString(strings.ReplaceAll(rt.pattern, "{ws}", ws), "x")
			status, body := e.doAuth(rt.method, path, `{"name":"x"}`, auth)
			if status != http.StatusUnauthorized || !strings.Contains(string(body), `"code":"unauthorized"`) {
				t.Fatalf("%s on %s %s: got %d %s, want 401 unauthorized", name, rt.method, rt.pattern, status, body)
			}
		}
	}
	status, _ := e.doAuth("GET", "/v1/workspaces", nil, "bearer "+e.op)
	if status != http.StatusOK {
		t.Fatalf("lower-case bearer scheme refused: %d", status)
	}
}

// TestNoOperatorConfiguredRefusesEverything: a zero hash must not match any token.
func TestNoOperatorConfiguredRefusesEverything(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(New(Deps{Store: e.store}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/workspaces", nil)
	req.Header.Set("Authorization", "Bearer "+e.op)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
}

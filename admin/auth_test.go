package admin

import (
	"net/http"
	"net/http/httptest"
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
	for name, auth := range bad {
		for _, rt := range (&api{}).routes() {
			if rt.public {
				continue
			}
			status, body := e.doAuth(rt.method, "/v1/workspaces/"+ws+"/members", nil, auth)
			if status != http.StatusUnauthorized {
				t.Fatalf("%s: status %d: %s", name, status, body)
			}
			break
		}
		e.mustFailAuth(name, auth, "/v1/workspaces")
	}
	status, _ := e.doAuth("GET", "/v1/workspaces", nil, "bearer "+e.op)
	if status != http.StatusOK {
		t.Fatalf("lower-case bearer scheme refused: %d", status)
	}
}

func (e *env) mustFailAuth(name, auth, path string) {
	e.t.Helper()
	status, body := e.doAuth("GET", path, nil, auth)
	if status != http.StatusUnauthorized || !contains(body, `"code":"unauthorized"`) {
		e.t.Fatalf("%s: got %d %s, want 401 unauthorized", name, status, body)
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

func contains(b []byte, s string) bool { return len(b) > 0 && stringContains(string(b), s) }

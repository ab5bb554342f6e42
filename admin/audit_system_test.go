package admin

import (
	"net/http"
	"strings"
	"testing"
)

// TestOperatorActionsWithoutWorkspaceAreAudited: a plan definition and a
// workspace deletion belong to no (remaining) workspace; their entries land
// in the operator's log, readable by the operator only, on both stores.
func TestOperatorActionsWithoutWorkspaceAreAudited(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			e.must(http.StatusOK, "PUT", "/v1/plans/team-xl", map[string]any{"seats": 50, "keys": 10}, nil)
			ow := e.owned("doomed")
			e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ow.Workspace.ID, map[string]any{"confirm": "doomed"}, nil)
			_, body := e.do("GET", "/v1/audit", nil)
			for _, action := range []string{"plan.put", "workspace.delete"} {
				if !strings.Contains(string(body), `"action":"`+action+`"`) {
					t.Errorf("operator audit lacks %s: %s", action, body)
				}
			}
			_, export := e.do("GET", "/v1/audit:export", nil)
			if n := strings.Count(strings.TrimSpace(string(export)), "\n") + 1; n < 2 {
				t.Errorf("export has %d lines: %s", n, export)
			}
			if s, _ := e.doAuth("GET", "/v1/audit", nil, "Bearer "+ow.Token); s != http.StatusUnauthorized && s != http.StatusForbidden {
				t.Errorf("a member read the operator audit: %d", s)
			}
		})
	}
}

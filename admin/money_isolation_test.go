package admin

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TestMoneyIsolatedBetweenWorkspaces: owners, admins and members of one
// workspace get 404 for another's credits, ledger, usage, request trail,
// webhooks and deliveries, and never see a byte of its data.
func TestMoneyIsolatedBetweenWorkspaces(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			w2 := e.owned("w2")
			e.topUp(w2.Workspace.ID, "42.424242")
			secretRoute := e.settle(w2.Workspace.ID, store.RequestRecord{TokenID: w2.TokenID, MemberID: w2.Owner.ID, Kind: "member",
				Upstream: "private-upstream-w2", Model: "w2-model", Cost: 1}).RequestID
			var hook webhookCreated
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+w2.Workspace.ID+"/webhooks", map[string]any{"url": "https://w2-hooks.example/x"}, &hook)

			w1 := e.owned("w1")
			_, adminTok := e.memberOf(w1.Workspace.ID, "a@w1.test", "admin")
			_, memberTok := e.memberOf(w1.Workspace.ID, "m@w1.test", "member")
			base := "/v1/workspaces/" + w2.Workspace.ID
			for _, tok := range []string{w1.Token, adminTok, memberTok} {
				for _, p := range []string{"/credits", "/transactions", "/billing", "/usage", "/usage/me", "/usage?format=csv",
					"/requests", "/requests?format=csv", "/webhooks", "/deliveries", "/webhooks/" + hook.Webhook.ID + "/deliveries"} {
					e.as(tok, http.StatusNotFound, "GET", base+p, nil, nil)
				}
				e.as(tok, http.StatusNotFound, "DELETE", base+"/webhooks/"+hook.Webhook.ID, nil, nil)
				own := http.StatusNotFound // W2's receiver through one's own workspace
				if tok == memberTok {
					own = http.StatusForbidden // the role is checked first
				}
				e.as(tok, own, "GET", "/v1/workspaces/"+w1.Workspace.ID+"/webhooks/"+hook.Webhook.ID+"/deliveries", nil, nil)
			}
			for _, leak := range []string{"42.424242", secretRoute, "private-upstream-w2", "w2-hooks.example"} {
				for _, x := range e.responsesContaining(leak) {
					if strings.Contains(x.path, w1.Workspace.ID) || !strings.Contains(x.path, w2.Workspace.ID) {
						t.Errorf("%s %s showed W2's %q", x.method, x.path, leak)
					}
				}
			}
		})
	}
}

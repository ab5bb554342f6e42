package admin

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// TestWorkspaceCreateGetLimits: new workspaces get the default member limit,
// and PUT limits replaces all three values.
func TestWorkspaceCreateGetLimits(t *testing.T) {
	e := newEnv(t)
	var ow ownedWorkspaceResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces", map[string]any{"name": " Acme ", "owner_email": "a@x.io"}, &ow)
	w := ow.Workspace
	if w.Plan != PlanTeam || w.Personal || ow.Owner.Role != "owner" || ow.Token == "" {
		t.Fatalf("got %+v", ow)
	}
	if w.Name != "Acme" || w.Limits.MemberRPM != limiter.DefaultMemberRPM || !w.CreatedAt.Equal(testNow) {
		t.Fatalf("got %+v", w)
	}
	e.must(http.StatusCreated, "POST", "/v1/workspaces",
		map[string]any{"name": "b", "owner_email": "a@x.io", "limits": map[string]any{"key_rpm": 7}}, &ow)
	w = ow.Workspace
	if w.Limits != (store.Limits{MemberRPM: limiter.DefaultMemberRPM, KeyRPM: 7}) {
		t.Fatalf("partial limits: %+v", w.Limits)
	}
	e.must(http.StatusOK, "PUT", "/v1/workspaces/"+w.ID+"/limits",
		map[string]any{"member_rpm": 0, "key_rpm": 5, "workspace_rpm": 1000}, nil)
	var got workspaceView
	e.must(http.StatusOK, "GET", "/v1/workspaces/"+w.ID, nil, &got)
	if got.Limits != (store.Limits{KeyRPM: 5, WorkspaceRPM: 1000}) {
		t.Fatalf("limits not stored: %+v", got.Limits)
	}
}

// TestUnknownWorkspaceIs404: every nested route checks the workspace first.
func TestUnknownWorkspaceIs404(t *testing.T) {
	e := newEnv(t)
	for _, ws := range []string{"AAAAAAAAAAAA", "not-an-id"} {
		for _, p := range []string{"", "/members", "/keys", "/upstreams", "/members/x", "/upstreams/x"} {
			e.mustFail(http.StatusNotFound, CodeNotFound, "GET", "/v1/workspaces/"+ws+p, nil, "workspace")
		}
		e.mustFail(http.StatusNotFound, CodeNotFound, "POST", "/v1/workspaces/"+ws+"/members",
			map[string]any{"email": "a@b.c", "role": "member"}, ws)
		e.mustFail(http.StatusNotFound, CodeNotFound, "PUT", "/v1/workspaces/"+ws+"/limits",
			map[string]any{"member_rpm": 1, "key_rpm": 1, "workspace_rpm": 1}, ws)
	}
}

// TestListsArePaginated: pages follow the cursor, cover every item once, and
// the last page has no cursor.
func TestListsArePaginated(t *testing.T) {
	e := newEnv(t)
	want := map[string]bool{}
	for i := range 7 { // one owner: 7 team workspaces and 1 personal
		var ow ownedWorkspaceResponse
		e.must(http.StatusCreated, "POST", "/v1/workspaces",
			map[string]any{"name": fmt.Sprintf("w%d", i), "owner_email": "one@x.io"}, &ow)
		want[ow.Workspace.ID] = true
	}
	want["personal"] = true
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		var p page[workspaceView]
		e.must(http.StatusOK, "GET", "/v1/workspaces?limit=3&cursor="+cursor, nil, &p)
		pages++
		for _, w := range p.Items {
			if seen[w.ID] {
				t.Fatalf("workspace %s on two pages", w.ID)
			}
			seen[w.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != len(want) || pages != 3 {
		t.Fatalf("saw %d workspaces in %d pages, want %d in 3", len(seen), pages, len(want))
	}
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", "/v1/workspaces?limit=0", nil, "limit")
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", "/v1/workspaces?limit=x", nil, "limit")
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", "/v1/workspaces?cursor=!!", nil, "cursor")
}

package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// planWithKeys defines plan name with n workspace keys and moves ws onto it.
func (e *env) planWithKeys(ws, name string, n int) {
	e.t.Helper()
	e.must(http.StatusOK, "PUT", "/v1/plans/"+name, map[string]any{"seats": 0, "keys": n}, nil)
	e.must(http.StatusOK, "PUT", "/v1/workspaces/"+ws+"/plan", map[string]any{"plan": name}, nil)
}

// TestKeyLimitReached: past the plan's keys a new key is 422 key_limit with
// the numbers; a revoked or expired key frees its slot.
func TestKeyLimitReached(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("keys")
			ws := ow.Workspace.ID
			e.planWithKeys(ws, "two-keys", 2)
			var first keyResponse
			e.as(ow.Token, http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "a"}, &first)
			e.as(ow.Token, http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys",
				map[string]any{"name": "b", "expires_at": e.now().Add(time.Hour).Format(time.RFC3339)}, nil)
			e.mustFail(http.StatusUnprocessableEntity, CodeKeyLimit, "POST", "/v1/workspaces/"+ws+"/keys",
				map[string]any{"name": "c"}, "2 of 2", `"two-keys"`)
			e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/keys/"+first.Key.ID, nil, nil)
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "c"}, nil)
			e.mustFail(http.StatusUnprocessableEntity, CodeKeyLimit, "POST", "/v1/workspaces/"+ws+"/keys",
				map[string]any{"name": "d"}, "2 of 2")
			e.advance(time.Hour) // b expires
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "d"}, nil)
		})
	}
}

// TestConcurrentKeyCreationRacesForTheLastKey: many creations at once for
// the last key, through HTTP: exactly one 201, the rest 422 key_limit.
func TestConcurrentKeyCreationRacesForTheLastKey(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("keyrace")
			ws := ow.Workspace.ID
			e.planWithKeys(ws, "three-keys", 3)
			for i := range 2 {
				e.as(ow.Token, http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": fmt.Sprint("k", i)}, nil)
			}
			const n = 20
			type result struct {
				status int
				code   string
			}
			results := make(chan result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					status, body := e.doAuth("POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": fmt.Sprint("r", i)}, "Bearer "+ow.Token)
					var ae apiErr
					_ = json.Unmarshal(body, &ae)
					results <- result{status, ae.Error.Code}
				})
			}
			wg.Wait()
			close(results)
			won := 0
			for r := range results {
				switch {
				case r.status == http.StatusCreated:
					won++
				case r.status != http.StatusUnprocessableEntity || r.code != CodeKeyLimit:
					t.Errorf("status %d code %q", r.status, r.code)
				}
			}
			var list page[tokenView]
			e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/keys", nil, &list)
			if won != 1 || len(list.Items) != 3 {
				t.Fatalf("%d creations won the last key and %d keys exist, want 1 and 3", won, len(list.Items))
			}
		})
	}
}

package admin

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// replaceRace sends a PUT of path, n in parallel, together with other (a
// transfer or a delete), and returns the PUT statuses. Each PUT must answer
// 200 or 404.
func (e *env) replaceRace(path string, n int, other func()) []int {
	e.t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			statuses[i], _ = e.do("PUT", path, map[string]any{
				"base_url": fmt.Sprintf("http://127.0.0.1:%d/v1", 2+i), "kind": "llm"})
		})
	}
	wg.Go(func() { <-start; other() })
	close(start)
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusOK && s != http.StatusNotFound {
			e.t.Fatalf("replace status %d, want 200 or 404: %v", s, statuses)
		}
	}
	return statuses
}

// TestReplaceRacingTransferNeverDuplicates: replaces of an upstream race its
// transfer to another workspace, many rounds on both backends. The transfer
// always succeeds, each replace answers 200 or 404, and the upstream with
// its credential ends in the target only: a replace that lost the race
// never recreates it in the source.
func TestReplaceRacingTransferNeverDuplicates(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			for round := range 40 {
				src, dst := e.workspace("src"), e.workspace("dst")
				e.upstreamLLM(src)
				var transfer int
				e.replaceRace("/v1/workspaces/"+src+"/upstreams/llm", 4, func() {
					transfer, _ = e.do("POST", "/v1/workspaces/"+src+"/upstreams/llm:transfer",
						map[string]any{"to_workspace": dst})
				})
				if transfer != http.StatusOK {
					t.Fatalf("round %d: transfer status %d, want 200", round, transfer)
				}
				if in := e.holders("llm", src, dst); len(in) != 1 || in[0] != dst {
					t.Fatalf("round %d: upstream in workspaces %v, want only the target %s", round, in, dst)
				}
			}
		})
	}
}

// TestReplaceRacingDeleteNeverResurrects: replaces of a private and of a
// public upstream race its deletion; afterwards the upstream is gone.
func TestReplaceRacingDeleteNeverResurrects(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ws := e.workspace("ws")
			for range 20 {
				for _, base := range []string{"/v1/workspaces/" + ws + "/upstreams", "/v1/upstreams"} {
					e.must(http.StatusCreated, "POST", base, map[string]any{"name": "llm",
						"base_url": "http://127.0.0.1:1/v1", "kind": "llm", "credential": "sk-upstream"}, nil)
					e.replaceRace(base+"/llm", 4, func() { e.must(http.StatusNoContent, "DELETE", base+"/llm", nil, nil) })
					e.mustFail(http.StatusNotFound, CodeNotFound, "GET", base+"/llm", nil)
				}
			}
		})
	}
}

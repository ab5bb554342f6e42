package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// createRace sends n concurrent POSTs to path, each an upstream named name
// with its own base_url, and returns the statuses and, when exactly one was
// 201, that one's base_url.
func (e *env) createRace(path, name string, n int) ([]int, string) {
	e.t.Helper()
	statuses, bodies := make([]int, n), make([][]byte, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], bodies[i] = e.do("POST", path, map[string]any{"name": name,
				"base_url": fmt.Sprintf("https://api.example.test/v%d", i), "kind": "llm", "credential": "sk-racer"})
		}()
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			var v upstreamView
			if err := json.Unmarshal(bodies[i], &v); err != nil {
				e.t.Fatal(err)
			}
			winner = v.BaseURL
		case http.StatusConflict:
		default:
			e.t.Fatalf("create status %d, want 201 or 409: %s", s, bodies[i])
		}
	}
	return statuses, winner
}

// TestConcurrentUpstreamCreatesOneWins: 16 concurrent creations of one name,
// private and public, on both backends: exactly one answers 201, the rest
// 409, and the stored upstream is the winner's.
func TestConcurrentUpstreamCreatesOneWins(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ws := e.workspace("race")
			for round := range 3 {
				name := fmt.Sprintf("race-%d", round)
				for _, base := range []string{"/v1/workspaces/" + ws + "/upstreams", "/v1/upstreams"} {
					statuses, winner := e.createRace(base, name, 16)
					created := 0
					for _, s := range statuses {
						if s == http.StatusCreated {
							created++
						}
					}
					if created != 1 {
						t.Fatalf("%s round %d: %d creations answered 201, want exactly 1: %v", base, round, created, statuses)
					}
					var got upstreamView
					e.must(http.StatusOK, "GET", base+"/"+name, nil, &got)
					if got.BaseURL != winner {
						t.Fatalf("%s round %d: stored base_url %q, want the winner's %q", base, round, got.BaseURL, winner)
					}
				}
			}
		})
	}
}

// TestTransferRacingCreateInTargetNeverOverwrites: a transfer into a
// workspace races creations of the same name there. Exactly one of them
// wins the name in the target; when the transfer loses it answers 409 and
// the upstream, with its credential, is back in the source.
func TestTransferRacingCreateInTargetNeverOverwrites(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			for round := range 5 {
				src, dst := e.workspace("src"), e.workspace("dst")
				e.upstreamLLM(src)
				var transfer int
				var wg sync.WaitGroup
				start := make(chan struct{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					transfer, _ = e.do("POST", "/v1/workspaces/"+src+"/upstreams/llm:transfer",
						map[string]any{"to_workspace": dst})
				}()
				var statuses []int
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses, _ = e.createRace("/v1/workspaces/"+dst+"/upstreams", "llm", 8)
				}()
				close(start)
				wg.Wait()
				e.checkTransferRace(round, transfer, statuses, src, dst)
			}
		})
	}
}

// checkTransferRace checks the outcome of one round of the transfer race.
func (e *env) checkTransferRace(round, transfer int, creates []int, src, dst string) {
	e.t.Helper()
	wins := 0
	for _, s := range creates {
		if s == http.StatusCreated {
			wins++
		}
	}
	u, _, err := e.backend.GetUpstream(context.Background(), dst, "llm")
	if err != nil {
		e.t.Fatalf("round %d: target has no upstream: %v", round, err)
	}
	switch transfer {
	case http.StatusOK:
		if wins != 0 || u.Credential != "sk-upstream" {
			e.t.Fatalf("round %d: transfer won but %d creates answered 201 and the target holds credential of %q",
				round, wins, u.BaseURL)
		}
		if in := e.holders("llm", src); len(in) != 0 {
			e.t.Fatalf("round %d: transfer won but the source still has the upstream", round)
		}
	case http.StatusConflict:
		if wins != 1 || u.Credential != "sk-racer" {
			e.t.Fatalf("round %d: transfer lost but %d creates answered 201 and the target holds %q", round, wins, u.BaseURL)
		}
		if in := e.holders("llm", src); len(in) != 1 {
			e.t.Fatalf("round %d: transfer lost and the upstream was not put back in the source", round)
		}
	default:
		e.t.Fatalf("round %d: transfer status %d, want 200 or 409", round, transfer)
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/token"
)

// restartable is a tollgate config file kept across runs, so that a restart
// reuses its operator token, data directory and store.
type restartable struct {
	op, path string
}

// newRestartable writes a config with free loopback ports, a data directory
// of its own, a short shutdown grace (streams still open after it are cut)
// and extraYAML.
func newRestartable(t *testing.T, extraYAML string) restartable {
	t.Helper()
	op, err := token.New(token.Operator, token.OperatorWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("listen: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\ndata_dir: %s\noperator_token: %s\nshutdown_grace: 2s\n%s",
		filepath.Join(dir, "data"), op, extraYAML)
	path := filepath.Join(dir, "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return restartable{op: op, path: path}
}

func (r restartable) start(t *testing.T) *proc {
	t.Helper()
	return startCmd(t, r.op, []string{"serve", "--config", r.path}, nil)
}

// metered is one request of the restart test and what it must cost.
type metered struct {
	path  string // on the gateway
	model string
	body  []byte
	usage llmUsage
	gate  string // "" answers at once; else the provider holds the stream after its first event
}

// chatBody is a request body of format path (OpenAI or Anthropic) for model.
func chatBody(path, model string, stream bool) []byte {
	if strings.HasSuffix(path, "/messages") {
		return fmt.Appendf(nil, `{"model":%q,"max_tokens":40,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, model, stream)
	}
	return fmt.Appendf(nil, `{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, model, stream)
}

// send sends m and returns the status and body; err is set when the
// connection broke, as it does for a stream cut at shutdown.
func (m metered) send(base, tok string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang detector, not a timing assertion
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+m.path, bytes.NewReader(m.body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(usageHeader, m.usage.header())
	if m.gate != "" {
		req.Header.Set(gateHeader, m.gate)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestUsageSurvivesRestart: requests settled before a graceful stop, and
// requests still streaming when it starts (some finishing within the grace
// period, some cut by it), are each settled exactly once, and after a
// restart on the same data directory (embedded) or the same Redis the
// balance, ledger, usage roll-ups and audit trail are all intact (issue 5
// item 8, SPEC §7 "settles all usage before exit").
func TestUsageSurvivesRestart(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { runRestart(t, pricingYAML) })
	t.Run("redis", func(t *testing.T) {
		rds := redistest.Start(t)
		runRestart(t, fmt.Sprintf(sharedRedisYAML, rds.URL())+pricingYAML)
	})
}

func runRestart(t *testing.T, yaml string) {
	cfg := newRestartable(t, yaml)
	prov := newProvider(t)
	p1 := cfg.start(t)
	const initial = 50_000_000
	ten := seedMoney(t, p1, prov.srv.URL, initial, 0)

	before := restartBatch("", 0)
	for i, m := range before {
		if s, _, err := m.send(p1.data, ten.token); s != http.StatusOK || err != nil {
			t.Fatalf("request %d before the stop: %d %v", i, s, err)
		}
	}
	waitSettled(t, p1, ten.ws, len(before))
	checkBooks(t, p1, ten.ws, initial)
	usageBefore := readUsageTotals(t, p1, ten.ws)

	finish, cut := restartBatch("finish", 100), restartBatch("cut", 200)
	stopWithStreamsInFlight(t, p1, prov, ten, finish, cut)
	inflight := len(finish) + len(cut)

	p2 := cfg.start(t)
	all := len(before) + inflight
	waitSettled(t, p2, ten.ws, all)
	audit := checkBooks(t, p2, ten.ws, initial)
	checkRestartAudit(t, audit, before, finish, cut)
	usageAfter := readUsageTotals(t, p2, ten.ws)
	if usageAfter.Requests != int64(all) || usageAfter.Cost != initial-readCredits(t, p2, ten.ws).Balance {
		t.Errorf("usage after restart = %+v, want %d requests costing what the balance lost (before the stop: %+v)",
			usageAfter, all, usageBefore)
	}
	// The restarted process meters on.
	more := restartBatch("", 300)[:1]
	if s, _, err := more[0].send(p2.data, ten.token); s != http.StatusOK || err != nil {
		t.Fatalf("request after the restart: %d %v", s, err)
	}
	waitSettled(t, p2, ten.ws, all+1)
	checkBooks(t, p2, ten.ws, initial)
}

// stopWithStreamsInFlight opens the streams of finish and cut, each held by
// the provider after its first event, stops p gracefully, lets finish end
// while p drains, leaves cut to the end of the grace period, and waits for
// p to exit.
func stopWithStreamsInFlight(t *testing.T, p *proc, prov *provider, ten moneyTenant, finish, cut []metered) {
	t.Helper()
	inflight := append(append([]metered(nil), finish...), cut...)
	type result struct {
		status int
		body   []byte
		err    error
	}
	results := make([]chan result, len(inflight))
	for i, m := range inflight {
		results[i] = make(chan result, 1)
		go func() {
			s, b, err := m.send(p.data, ten.token)
			results[i] <- result{s, b, err}
		}()
	}
	for range inflight { // every stream has sent its first event and waits at its gate
		<-prov.held
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "readyz 503 while draining", func() bool { return readyz(p) == http.StatusServiceUnavailable })
	prov.open("finish")
	for i := range finish {
		r := <-results[i]
		ended := bytes.Contains(r.body, []byte("[DONE]")) || bytes.Contains(r.body, []byte("message_stop"))
		if r.err != nil || r.status != http.StatusOK || !ended {
			t.Errorf("stream %d finishing during the grace period: %d %v %q", i, r.status, r.err, r.body)
		}
	}
	for i := len(finish); i < len(inflight); i++ {
		<-results[i] // cut when the grace period ends: an error or a truncated body
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second): // a hang detector
		t.Fatal("tollgate did not exit after SIGTERM")
	}
	if s := p.stderr.String(); strings.Contains(s, "unstored") || strings.Contains(s, "level=ERROR") {
		t.Errorf("shutdown logged an error:\n%s", s)
	}
}

// restartBatch is four requests, one of each format and mode (OpenAI and
// Anthropic, JSON and SSE), with distinct usages offset by base; with a
// gate, only the streams, held at that gate.
func restartBatch(gate string, base int64) []metered {
	var out []metered
	for i, c := range []struct {
		path, model string
		stream      bool
	}{
		{"/oai/v1/chat/completions", "gpt-test", false},
		{"/oai/v1/chat/completions", "gpt-test", true},
		{"/ant/v1/messages", "claude-test-1", false},
		{"/ant/v1/messages", "claude-test-1", true},
	} {
		if gate != "" && !c.stream {
			continue
		}
		n := base + int64(i)*10
		u := llmUsage{Input: 20 + n, Output: 30 + n, CachedRead: 5 + n}
		if c.model == "gpt-test" {
			u.Reasoning = 3 + n
		} else {
			u.CachedWrite = 4 + n
		}
		out = append(out, metered{path: c.path, model: c.model, body: chatBody(c.path, c.model, c.stream), usage: u, gate: gate})
	}
	return out
}

// checkRestartAudit checks each request of the test is audited once at the
// right cost: requests that ended normally at the price of their usage; a
// cut OpenAI stream, which showed no usage before the cut, at its estimate;
// a cut Anthropic stream at the price of what its message_start showed
// (input, cache and one output token).
func checkRestartAudit(t *testing.T, audit []auditRecord, before, finish, cut []metered) {
	t.Helper()
	want := map[string]int64{} // usage header → cost
	for _, m := range append(append([]metered(nil), before...), finish...) {
		want[m.usage.header()] = costOf(m.model, m.usage)
	}
	type cutWant struct {
		model string
		cost  int64
	}
	var cutCosts []cutWant
	for _, m := range cut {
		if strings.HasSuffix(m.path, "/messages") {
			seen := m.usage
			seen.Output, seen.Reasoning = 1, 0
			cutCosts = append(cutCosts, cutWant{m.model, costOf(m.model, seen)})
		} else {
			cutCosts = append(cutCosts, cutWant{m.model, estimateOf(m.model, len(m.body), 64)})
		}
	}
	for _, r := range audit {
		if c, ok := want[r.usage().header()]; ok {
			if r.Cost != c {
				t.Errorf("audit %s (%s): cost %d µc, want %d", r.RequestID, r.Route, r.Cost, c)
			}
			delete(want, r.usage().header())
			continue
		}
		i := slices.IndexFunc(cutCosts, func(c cutWant) bool { return c.model == r.Model && c.cost == r.Cost })
		if i < 0 {
			t.Errorf("audit %s (%s, %s): cost %d µc, tokens %+v matches no request of the test (cut streams: %+v)",
				r.RequestID, r.Route, r.Model, r.Cost, r.Tokens, cutCosts)
			continue
		}
		cutCosts = slices.Delete(cutCosts, i, i+1)
	}
	if len(want) > 0 || len(cutCosts) > 0 {
		t.Errorf("not audited: %d finished requests %v, %d cut streams %+v", len(want), want, len(cutCosts), cutCosts)
	}
}

// usageTotals are the totals of GET …/usage over the last 7 days.
type usageTotals struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	Cost     int64 `json:"cost"`
}

func readUsageTotals(t *testing.T, p *proc, ws string) usageTotals {
	t.Helper()
	var r struct{ Totals usageTotals }
	p.adminDo(t, "GET", "/v1/workspaces/"+ws+"/usage", nil, &r)
	return r.Totals
}

// readyz returns the status of p's /readyz, 0 when it does not answer.
func readyz(p *proc) int {
	resp, err := http.Get(p.admin + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

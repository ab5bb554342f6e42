package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// pricingYAML is the price table of the metering tests, in credits per 1M
// tokens (so "1" is 1 µc a token). testPrices mirrors it for the tests'
// own arithmetic.
const pricingYAML = `pricing:
  unknown_model: refuse
  default_output_tokens: 64
  models:
    flat: {input: 1, output: 2}
    gpt-test: {input: 2.5, output: 10, cached_read: 1.25, reasoning: 12}
    claude-test-*: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}
`

// price is one model's prices in µc per 1M tokens, as the tests compute.
type price struct{ in, out, cachedRead, cachedWrite, reasoning int64 }

var testPrices = map[string]price{
	"flat":          {1e6, 2e6, 1e6, 1e6, 2e6}, // cached prices default to input, reasoning to output
	"gpt-test":      {2_500_000, 10e6, 1_250_000, 2_500_000, 12e6},
	"claude-test-1": {3e6, 15e6, 300_000, 3_750_000, 15e6},
}

// costOf is the tests' own oracle for a request's cost: Σ tokens × price
// per 1M tokens, rounded up once to a whole µc.
func costOf(model string, u llmUsage) int64 {
	p := testPrices[model]
	s := u.Input*p.in + u.Output*p.out + u.CachedRead*p.cachedRead + u.CachedWrite*p.cachedWrite + u.Reasoning*p.reasoning
	return (s + 999_999) / 1_000_000
}

// estimateOf is what admission holds for a request of bodyLen bytes asking
// for maxTokens of output, as meter.Estimate documents it: ceil(bodyLen/4)
// input tokens at the dearest input price, maxTokens at the dearer output
// price, rounded up.
func estimateOf(model string, bodyLen int, maxTokens int64) int64 {
	p := testPrices[model]
	in := int64(bodyLen+3) / 4
	s := in*max(p.in, p.cachedRead, p.cachedWrite) + maxTokens*max(p.out, p.reasoning)
	return (s + 999_999) / 1_000_000
}

var tenantSeq atomic.Int64

// moneyTenant is a workspace with one member, credits, and two upstreams on
// one loopback provider: "oai" (OpenAI, Authorization) and "ant"
// (Anthropic, x-api-key).
type moneyTenant struct {
	ws, memberID, tokenID, token string
}

// seedMoney creates a moneyTenant through p's admin API with balance µc of
// credits (none when 0), rate limits far above any test's traffic, and a
// member monthly cap of memberCap µc (none when 0).
func seedMoney(t *testing.T, p *proc, providerURL string, balance, memberCap int64) moneyTenant {
	t.Helper()
	n := tenantSeq.Add(1)
	var created struct{ Workspace struct{ ID string } }
	p.adminDo(t, "POST", "/v1/workspaces", map[string]any{"name": fmt.Sprintf("money-%d", n),
		"owner_email": fmt.Sprintf("owner%d@example.com", n)}, &created)
	ws := created.Workspace.ID
	base := "/v1/workspaces/" + ws
	p.adminDo(t, "PUT", base+"/limits", map[string]any{"member_rpm": 1_000_000, "key_rpm": 1_000_000, "workspace_rpm": 1_000_000}, nil)
	p.adminDo(t, "POST", base+"/upstreams", map[string]any{"name": "oai", "base_url": providerURL, "kind": "llm",
		"credential": upstreamSecret}, nil)
	p.adminDo(t, "POST", base+"/upstreams", map[string]any{"name": "ant", "base_url": providerURL, "kind": "llm",
		"credential": upstreamSecret, "auth_header": "x-api-key"}, nil)
	if balance > 0 {
		p.adminDo(t, "POST", base+"/credits/topup", map[string]any{"amount": balance, "note": "test"}, nil)
	}
	var m struct {
		Member  struct{ ID string }
		Token   string
		TokenID string `json:"token_id"`
	}
	p.adminDo(t, "POST", base+"/members", map[string]any{"email": fmt.Sprintf("ada%d@example.com", n), "role": "member"}, &m)
	if memberCap > 0 {
		p.adminDo(t, "PATCH", base+"/members/"+m.Member.ID, map[string]any{"monthly_credits": memberCap}, nil)
	}
	return moneyTenant{ws: ws, memberID: m.Member.ID, tokenID: m.TokenID, token: m.Token}
}

// credits is a workspace's money as GET …/credits reports it, in µc.
type credits struct {
	Balance int64 `json:"balance"`
	Held    int64 `json:"held"`
}

func readCredits(t *testing.T, p *proc, ws string) credits {
	t.Helper()
	var c credits
	p.adminDo(t, "GET", "/v1/workspaces/"+ws+"/credits", nil, &c)
	return c
}

// ledgerEntry and auditRecord are the fields of GET …/transactions and GET
// …/requests the tests check.
type ledgerEntry struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Amount int64  `json:"amount"`
}

type auditRecord struct {
	RequestID string `json:"request_id"`
	MemberID  string `json:"member_id"`
	TokenID   string `json:"token_id"`
	Route     string `json:"route"`
	Upstream  string `json:"upstream"`
	Model     string `json:"model"`
	Status    int    `json:"status"`
	Error     bool   `json:"error"`
	Tokens    struct {
		Input       int64 `json:"input"`
		Output      int64 `json:"output"`
		CachedRead  int64 `json:"cached_read"`
		CachedWrite int64 `json:"cached_write"`
		Reasoning   int64 `json:"reasoning"`
	} `json:"tokens"`
	Cost int64 `json:"cost"`
}

func (r auditRecord) usage() llmUsage {
	k := r.Tokens
	return llmUsage{Input: k.Input, Output: k.Output, CachedRead: k.CachedRead, CachedWrite: k.CachedWrite, Reasoning: k.Reasoning}
}

// listAll follows the pages of a list endpoint of p's admin API.
func listAll[T any](t *testing.T, p *proc, path string) []T {
	t.Helper()
	var all []T
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var pg struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		p.adminDo(t, "GET", path+"?"+q.Encode(), nil, &pg)
		all = append(all, pg.Items...)
		if pg.NextCursor == "" {
			return all
		}
		cursor = pg.NextCursor
	}
}

func readLedger(t *testing.T, p *proc, ws string) []ledgerEntry {
	return listAll[ledgerEntry](t, p, "/v1/workspaces/"+ws+"/transactions")
}

func readAudit(t *testing.T, p *proc, ws string) []auditRecord {
	return listAll[auditRecord](t, p, "/v1/workspaces/"+ws+"/requests")
}

// waitSettled waits until the workspace holds nothing and its audit trail
// has n records: every admitted request settled. Settlement runs off the
// request path, after the response.
func waitSettled(t *testing.T, p *proc, ws string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d settled requests in %s", n, ws), func() bool {
		return readCredits(t, p, ws).Held == 0 && len(readAudit(t, p, ws)) >= n
	})
}

// checkBooks checks what must hold of a workspace once everything is
// settled: nothing held, the ledger sums to the balance, every audited
// request id appears once, and the audited costs add up to what the
// balance lost since initial. It returns the audit trail.
func checkBooks(t *testing.T, p *proc, ws string, initial int64) []auditRecord {
	t.Helper()
	c := readCredits(t, p, ws)
	if c.Held != 0 {
		t.Errorf("held = %d µc after every request settled, want 0", c.Held)
	}
	var sum int64
	for _, e := range readLedger(t, p, ws) {
		sum += e.Amount
	}
	if sum != c.Balance {
		t.Errorf("ledger sums to %d µc, balance is %d µc: a change of balance without its transaction", sum, c.Balance)
	}
	audit := readAudit(t, p, ws)
	seen := map[string]bool{}
	var spent int64
	for _, r := range audit {
		if seen[r.RequestID] {
			t.Errorf("request %s audited twice", r.RequestID)
		}
		seen[r.RequestID] = true
		spent += r.Cost
	}
	if initial-c.Balance != spent {
		t.Errorf("balance fell by %d µc, audited costs sum to %d µc", initial-c.Balance, spent)
	}
	return audit
}

// dataCall sends one data-plane request and returns its status, headers
// and body. Transport errors are reported with t.Errorf (it runs in
// goroutines) and give status 0.
func dataCall(t *testing.T, base, tok, path string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang detector, not a timing assertion
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("POST %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, resp.Header, b
}

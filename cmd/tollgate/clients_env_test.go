package main

import (
	"strings"
	"testing"
)

// clientsInitial is the balance of the real-client tests' workspace, in µc.
const clientsInitial = 100_000_000

// clientsEnv is one gateway with the test price table, a loopback provider
// and a workspace with credits, for the real-SDK tests.
type clientsEnv struct {
	p    *proc
	prov *provider
	ten  moneyTenant
	n    int // requests sent so far, for waitSettled
}

func newClientsEnv(t *testing.T) *clientsEnv {
	t.Helper()
	// The SDKs read these; the tests pass every setting explicitly.
	for _, v := range []string{"OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
		"ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE", "ANTHROPIC_CUSTOM_HEADERS"} {
		t.Setenv(v, "")
	}
	p := startProc(t, pricingYAML)
	prov := newProvider(t)
	return &clientsEnv{p: p, prov: prov, ten: seedMoney(t, p, prov.srv.URL, clientsInitial, 0)}
}

// charged waits for the request just sent to settle and checks it was
// audited with exactly the provider's usage, at the table's price, and that
// the balance fell by that much in total so far.
func (e *clientsEnv) charged(t *testing.T, model string, u llmUsage, spentBefore int64) int64 {
	t.Helper()
	e.n++
	waitSettled(t, e.p, e.ten.ws, e.n)
	audit := checkBooks(t, e.p, e.ten.ws, clientsInitial)
	last := audit[0] // newest first
	want := costOf(model, u)
	if last.usage() != u || last.Cost != want || last.Model != model {
		t.Errorf("audited %s %s tokens %+v cost %d µc; want tokens %+v cost %d µc", last.Model, last.Route,
			last.Tokens, last.Cost, u, want)
	}
	if b := readCredits(t, e.p, e.ten.ws).Balance; b != clientsInitial-spentBefore-want {
		t.Errorf("balance %d µc, want %d", b, clientsInitial-spentBefore-want)
	}
	if r := e.prov.refusals(); len(r) > 0 {
		t.Errorf("the provider refused requests: %q", r)
	}
	return spentBefore + want
}

// sseData returns the data of each event of a rendered stream that has an
// event type (when typed) and is not a ping, in order, and the event types.
func sseData(events []string, typed bool) (types, data []string) {
	for _, e := range events {
		var typ, d string
		for _, line := range strings.Split(strings.TrimSuffix(e, "\n\n"), "\n") {
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				typ = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				d = v
			}
		}
		if d == "[DONE]" || typ == "ping" || typed && typ == "" {
			continue
		}
		types, data = append(types, typ), append(data, d)
	}
	return types, data
}

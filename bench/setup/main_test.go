package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRunRefusesUnknownSubcommand checks a typo gets an error naming it.
func TestRunRefusesUnknownSubcommand(t *testing.T) {
	err := run([]string{"provison"})
	if err == nil || !strings.Contains(err.Error(), `"provison"`) {
		t.Fatalf("err = %v, want one naming the subcommand", err)
	}
	if err := run(nil); err == nil {
		t.Fatal("no subcommand: want an error")
	}
}

// TestProvisionNeedsURLs checks missing flags are named before any request.
func TestProvisionNeedsURLs(t *testing.T) {
	_, err := provision([]string{"-admin", "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "-gateway") {
		t.Fatalf("err = %v, want one naming -gateway", err)
	}
}

// TestProvisionRefusesNegativeCap checks a negative -member-cap is named
// before any request, rather than sent to the admin API.
func TestProvisionRefusesNegativeCap(t *testing.T) {
	t.Setenv("TOLLGATE_BENCH_OPERATOR", "tgo_x")
	_, err := provision([]string{"-admin", "http://127.0.0.1:1", "-gateway", "http://127.0.0.1:1",
		"-upstream", "http://127.0.0.1:1", "-member-cap", "-5"})
	if err == nil || !strings.Contains(err.Error(), "-member-cap") {
		t.Fatalf("err = %v, want one naming -member-cap", err)
	}
}

// TestProbeMCPWantsAResult checks the MCP probe refuses a 200 that carries
// a JSON-RPC error (a denied tool, say) and names the upstream's URL, since
// a run measuring errors would not be comparable.
func TestProbeMCPWantsAResult(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"denied"}}`)
	}))
	defer srv.Close()
	err := probeMCP(srv.URL, "mwt_x")
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/mcp") || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("err = %v, want one naming %s/mcp and the answer", err, srv.URL)
	}
}

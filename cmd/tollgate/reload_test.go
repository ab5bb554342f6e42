package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/token"
)

// TestPricingReloadBySIGHUPAndAdminKeepsLastGoodTable: an operator edits
// the price table of a running gateway; a bad edit (by SIGHUP) is refused
// with the entry named while the old table stays in force and the process
// keeps serving, and a good edit takes effect through the admin API or SIGHUP.
func TestPricingReloadBySIGHUPAndAdminKeepsLastGoodTable(t *testing.T) {
	op, err := token.New(token.Operator, token.OperatorWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tollgate.yaml")
	writeConfig := func(pricing string) {
		t.Helper()
		cfg := fmt.Sprintf("listen: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\ndata_dir: %s\noperator_token: %s\nshutdown_grace: 5s\npricing:\n%s",
			filepath.Join(dir, "data"), op, pricing)
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("  models: {gpt-4o: {input: 2.5, output: 10}}\n")
	p := startCmd(t, op, []string{"serve", "--config", path}, nil)
	inputPrice := func() string {
		var v meter.TableView
		p.adminDo(t, "GET", "/v1/pricing", nil, &v)
		return v.Models["gpt-4o"].Input
	}
	if got := inputPrice(); got != "2.5" {
		t.Fatalf("initial gpt-4o input price %q, want 2.5", got)
	}

	writeConfig("  models: {gpt-4o: {input: 3, output: abc}}\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the refused reload to be logged", func() bool {
		return strings.Contains(p.stderr.String(), "pricing reload refused")
	})
	if log := p.stderr.String(); !strings.Contains(log, `pricing.models[\"gpt-4o\"].output: \"abc\" is not a decimal number`) {
		t.Fatalf("the log does not name the bad entry:\n%s", log)
	}
	if got := inputPrice(); got != "2.5" {
		t.Fatalf("after a refused reload the input price is %q, want the last good 2.5", got)
	}

	writeConfig("  models: {gpt-4o: {input: 3, output: 12}}\n")
	var v meter.TableView
	if status := p.adminDo(t, "POST", "/v1/pricing/reload", nil, &v); status != http.StatusOK || v.Models["gpt-4o"].Input != "3" {
		t.Fatalf("POST /v1/pricing/reload: %d %+v", status, v)
	}
	if got := inputPrice(); got != "3" {
		t.Fatalf("after the admin reload the input price is %q, want 3", got)
	}

	writeConfig("  models: {gpt-4o: {input: 0.1, output: 12}}\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "SIGHUP to put the new table in force", func() bool { return inputPrice() == "0.1" })
	if strings.Contains(p.stderr.String(), op) {
		t.Fatal("the operator token reached the log")
	}
}

package main

import (
	"strings"
	"testing"
)

// TestCLIPolicySetListDelete drives tollgate policy against a real
// `tollgate serve` as separate processes: the three scopes are set, listed
// (table and JSON, key policies hidden from a member), refused with the
// API's own message on a bad glob (exit 1), and deleted.
func TestCLIPolicySetListDelete(t *testing.T) {
	p := startProc(t, "")
	var created struct{ Workspace struct{ ID string } }
	p.adminDo(t, "POST", "/v1/workspaces", map[string]any{"name": "acme", "owner_email": "owner@example.com"}, &created)
	ws := created.Workspace.ID
	p.adminDo(t, "POST", "/v1/workspaces/"+ws+"/upstreams", map[string]any{"name": "tools", "base_url": "http://127.0.0.1:9/mcp", "kind": "mcp"}, nil)
	var key struct{ Key struct{ ID string } }
	p.adminDo(t, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "bot"}, &key)
	var m struct{ Token string }
	p.adminDo(t, "POST", "/v1/workspaces/"+ws+"/members", map[string]any{"email": "ada@example.com", "role": "member"}, &m)
	op := newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+p.operator)

	out := op.ok("policy", "set", ws, "tools", "--allow", "read_*", "--allow", "list_*", "--deny", "delete_*")
	row := strings.Join(tableRow(t, out, "tools"), " ")
	mustContain(t, "policy set", row, "workspace", "read_*,list_*", "delete_*")
	op.ok("policy", "set", ws, "tools", "--deny", "admin_*", "--role", "member")
	var v struct {
		Scope string
		KeyID string `json:"key_id"`
	}
	op.okJSON(&v, "policy", "set", "tools", "-w", ws, "--allow", "search", "--key", key.Key.ID)
	if v.Scope != "key" || v.KeyID != key.Key.ID {
		t.Fatalf("policy set --key -o json: %+v", v)
	}

	list := op.ok("policy", "list", ws)
	mustContain(t, "policy list", list, "UPSTREAM", "SCOPE", "ALLOW", "DENY")
	mustContain(t, "role row", strings.Join(tableRow(t, list, "role"), " "), "member", "admin_*")
	var page struct{ Items []struct{ Scope string } }
	op.okJSON(&page, "policy", "list", ws, "--upstream", "tools")
	if len(page.Items) != 3 {
		t.Fatalf("policy list -o json: %+v", page.Items)
	}
	member := newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+m.Token)
	if got := member.ok("policy", "list"); strings.Contains(got, key.Key.ID) || !strings.Contains(got, "admin_*") {
		t.Errorf("a member's list (its own workspace, no key policies):\n%s", got)
	}
	mustContain(t, "member sets", member.fail(1, "policy", "set", "tools", "--deny", "x"), "tollgate: forbidden:", "manage_tool_policies")

	stderr := op.fail(1, "policy", "set", ws, "tools", "--allow", "read_*", "--allow", "read[")
	mustContain(t, "bad glob", stderr, `tollgate: invalid_request: allow[1]: bad glob "read["`)
	stderr = op.fail(1, "policy", "set", ws, "nosuch", "--deny", "x")
	mustContain(t, "unknown upstream", stderr, `tollgate: not_found: upstream "nosuch" not found`)

	out = op.ok("policy", "delete", ws, "tools", "--role", "member")
	mustContain(t, "policy delete", out, "Deleted the tool policy of upstream tools for role member.")
	mustContain(t, "delete twice", op.fail(1, "policy", "delete", ws, "tools", "--role", "member"), "tollgate: not_found:")
	op.ok("policy", "delete", ws, "tools", "--key", key.Key.ID)
	op.ok("policy", "delete", ws, "tools")
	op.okJSON(&page, "policy", "list", ws)
	if len(page.Items) != 0 {
		t.Fatalf("after deletes: %+v", page.Items)
	}
}

// TestCLIPolicyUsageErrorsExit2: a policy command line the CLI cannot
// accept exits 2 with the reason and a pointer to --help, before any API
// call (no server listens).
func TestCLIPolicyUsageErrorsExit2(t *testing.T) {
	cli := newCLI(t, "TOLLGATE_ADDR=http://127.0.0.1:1", "TOLLGATE_TOKEN=tgo_x")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"policy", "set", "ws1", "tools"}, "give at least one --allow or --deny"},
		{[]string{"policy", "set", "tools", "--deny", "x", "--role", "member", "--key", "k"}, "--role and --key: give one"},
		{[]string{"policy", "set"}, "accepts between 1 and 2 arg(s)"},
		{[]string{"policy", "set", "a", "b", "c", "--deny", "x"}, "accepts between 1 and 2 arg(s)"},
		{[]string{"policy", "set", "ws1", "tools", "-w", "ws2", "--deny", "x"}, `workspace "ws1" given twice`},
		{[]string{"policy", "delete", "tools", "--role", "member", "--key", "k"}, "--role and --key: give one"},
		{[]string{"policy", "list", "a", "b"}, "accepts at most 1 arg(s)"},
		{[]string{"policy", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"policy", "frobnicate"}, `unknown command "frobnicate"`},
	} {
		stderr := cli.fail(2, c.args...)
		mustContain(t, strings.Join(c.args, " "), stderr, c.want, "--help")
	}
}

// TestCLIPolicyHelpShowsExamples: --help explains the scopes and shows
// runnable examples, so people need not read the API docs.
func TestCLIPolicyHelpShowsExamples(t *testing.T) {
	cli := newCLI(t)
	out := cli.ok("policy", "set", "--help")
	mustContain(t, "policy set --help", out, "Examples:", "tollgate policy set 7KhAVKhkcsB6 github --allow 'read_*'",
		"--role member", "--allow", "--deny", "--key", "deny wins", "* any run of characters")
	mustContain(t, "policy --help", cli.ok("policy", "--help"), "set", "list", "delete", "tollgate policy list")
}

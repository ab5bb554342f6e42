package main

import (
	"strings"
	"testing"
)

// TestCLIInviteAcceptForAnExistingAccount: an invitation to an email that
// already has an account is refused to an anonymous accept, to another
// member's token and to the operator token (exit 1, unauthorized, telling
// how to accept), and accepted with the account's own token from
// TOLLGATE_TOKEN or from a saved login, which is sent only to the saved
// login's own address.
func TestCLIInviteAcceptForAnExistingAccount(t *testing.T) {
	p := startProc(t, "")
	anon := newCLI(t, "TOLLGATE_ADDR="+p.admin)
	op := anon.with("TOLLGATE_TOKEN=" + p.operator)
	owner := func(name, email string) string {
		res := op.run("", "workspace", "create", name, "--owner-email", email)
		if res.code != 0 {
			t.Fatalf("workspace create %s: %d %s", name, res.code, res.stderr)
		}
		return secretLine(t, res.stdout, "owner token")
	}
	vicTok := owner("victim", "vic@example.com")
	mal := anon.with("TOLLGATE_TOKEN=" + owner("attacker", "mal@example.com"))
	eve := anon.with("TOLLGATE_TOKEN=" + owner("other", "eve@example.com"))
	code := func(inviter *cliRunner) string {
		res := inviter.run("", "invite", "create", "VIC@example.com")
		if res.code != 0 {
			t.Fatalf("invite create: %d %s", res.code, res.stderr)
		}
		return secretLine(t, res.stdout, "invitation code")
	}
	first := code(mal)
	for name, r := range map[string]*cliRunner{"anonymous": anon, "the inviter": mal, "the operator": op} {
		stderr := r.fail(1, "invite", "accept", first)
		mustContain(t, name+" accepts", stderr, "tollgate: unauthorized:", "vic@example.com already has an account",
			"TOLLGATE_TOKEN")
	}
	vic := anon.with("TOLLGATE_TOKEN=" + vicTok)
	res := vic.run("", "invite", "accept", first)
	if res.code != 0 {
		t.Fatalf("invite accept with the victim's token: %d %s", res.code, res.stderr)
	}
	mustContain(t, "invite accept", res.stdout, "attacker", "vic@example.com", "member token: mwt_")
	mustContain(t, "the account's workspaces", vic.ok("workspace", "list"), "victim", "attacker")

	// A saved login's token goes only to the saved login's address.
	second := code(eve)
	saved := newCLI(t)
	if res := saved.run(vicTok+"\n", "login", "--addr", p.admin); res.code != 0 {
		t.Fatalf("login: %d %s", res.code, res.stderr)
	}
	other := strings.Replace(p.admin, "127.0.0.1", "localhost", 1)
	mustContain(t, "saved login, another address", saved.fail(1, "invite", "accept", second, "--addr", other),
		"tollgate: unauthorized:")
	mustContain(t, "saved login", saved.ok("invite", "accept", second), "other", "vic@example.com")
}

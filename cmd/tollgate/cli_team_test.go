package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
)

// secretLine returns the value printed as "label: value" on stdout.
func secretLine(t *testing.T, out, label string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), label+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q line in:\n%s", label, out)
	return ""
}

// teamCtx is the state the team-flow steps share.
type teamCtx struct {
	p             *proc
	anon, op      *cliRunner
	ws, ownerID   string
	owner, ada    *cliRunner
	adaID, adaTok string
}

// invite creates an invitation as inviter and accepts it without a token,
// returning the new member's runner, member ID and token.
func (c *teamCtx) invite(t *testing.T, inviter *cliRunner, email, role string) (*cliRunner, string, string) {
	t.Helper()
	res := inviter.run("", "invite", "create", email, "--role", role)
	if res.code != 0 {
		t.Fatalf("invite create %s: %d %s", email, res.code, res.stderr)
	}
	mustContain(t, "invite create", res.stdout, email, role, "pending", "accept link: ")
	mustContain(t, "invite create warning", res.stderr, "shown only once")
	code := secretLine(t, res.stdout, "invitation code")
	res = c.anon.run("", "invite", "accept", code)
	if res.code != 0 {
		t.Fatalf("invite accept: %d %s", res.code, res.stderr)
	}
	mustContain(t, "invite accept", res.stdout, c.ws, email, role)
	tok := secretLine(t, res.stdout, "member token")
	stderr := c.anon.fail(1, "invite", "accept", code)
	mustContain(t, "accept twice", stderr, "tollgate: conflict:")
	var me struct {
		Member struct{ ID string }
	}
	r := c.anon.with("TOLLGATE_TOKEN=" + tok)
	r.okJSON(&me, "whoami")
	return r, me.Member.ID, tok
}

// TestCLITeamFlows drives the team commands of issue 4 as separate processes:
// workspace create with an owner, whoami, invitations (create, list, resend,
// cancel, accept, decline), ownership transfer, rename, plans, audit,
// upstream transfer, own-token rotation and revocation, removal with keys,
// offboarding and deletion, with members acting through their own tokens.
func TestCLITeamFlows(t *testing.T) {
	p := startProc(t, "")
	c := &teamCtx{p: p, anon: newCLI(t, "TOLLGATE_ADDR="+p.admin)}
	c.op = c.anon.with("TOLLGATE_TOKEN=" + p.operator)

	res := c.op.run("", "workspace", "create", "acme", "--owner-email", "owner@example.com", "--plan", "pro")
	if res.code != 0 {
		t.Fatalf("workspace create: %d %s", res.code, res.stderr)
	}
	mustContain(t, "workspace create", res.stdout, "acme", "pro", "owner token: mwt_")
	c.owner = c.anon.with("TOLLGATE_TOKEN=" + secretLine(t, res.stdout, "owner token"))
	var me struct {
		Kind      string
		Member    struct{ ID, Role, Email string }
		Workspace struct{ ID string }
	}
	c.owner.okJSON(&me, "whoami")
	if me.Kind != "member" || me.Member.Role != "owner" || me.Member.Email != "owner@example.com" {
		t.Fatalf("whoami -o json: %+v", me)
	}
	c.ws, c.ownerID = me.Workspace.ID, me.Member.ID
	mustContain(t, "whoami table", c.owner.ok("whoami"), "KIND", "member", "owner@example.com", c.ws)
	mustContain(t, "operator whoami", c.op.ok("whoami"), "operator")

	c.ada, c.adaID, c.adaTok = c.invite(t, c.owner, "ada@example.com", "admin")
	t.Run("invitations", func(t *testing.T) { cliInvitations(t, c) })
	t.Run("owner rename plan", func(t *testing.T) { cliOwnerRenamePlan(t, c) })
	t.Run("audit", func(t *testing.T) { cliAudit(t, c) })
	t.Run("upstream transfer and delete", func(t *testing.T) { cliTransferDelete(t, c) })
	t.Run("remove offboard", func(t *testing.T) { cliRemoveOffboard(t, c) })
	t.Run("own token", func(t *testing.T) { cliOwnToken(t, c) })
}

func cliInvitations(t *testing.T, c *teamCtx) {
	var inv struct {
		Invitation struct{ ID, Status string }
		Code       string
	}
	c.ada.okJSON(&inv, "invite", "create", "bob@example.com", "--role", "reader")
	tableRow(t, c.ada.ok("invite", "list"), inv.Invitation.ID, "bob@example.com", "pending")
	res := c.ada.run("", "invite", "resend", inv.Invitation.ID)
	if res.code != 0 {
		t.Fatalf("invite resend: %d %s", res.code, res.stderr)
	}
	if code := secretLine(t, res.stdout, "invitation code"); code == inv.Code {
		t.Errorf("resend kept the old code")
	}
	c.anon.fail(1, "invite", "accept", inv.Code) // the old code is dead
	mustContain(t, "invite cancel", c.ada.ok("invite", "cancel", inv.Invitation.ID), "cancelled")
	stderr := c.anon.fail(1, "invite", "decline", "inv_unknownunknownunknownunknown")
	mustContain(t, "decline unknown", stderr, "tollgate: ")

	c.ada.okJSON(&inv, "invite", "create", "carol@example.com")
	mustContain(t, "invite decline", c.anon.ok("invite", "decline", inv.Code), "carol@example.com", "declined")
	stderr = c.ada.fail(1, "invite", "create", "ada@example.com")
	mustContain(t, "invite a member", stderr, "tollgate: conflict:")

	// A reader sees members but may not invite: the API's 403 is exit 1.
	bob, _, _ := c.invite(t, c.owner, "bob2@example.com", "reader")
	tableRow(t, bob.ok("member", "list"), "ada@example.com", "admin")
	mustContain(t, "reader invites", bob.fail(1, "invite", "create", "x@example.com"), "tollgate: forbidden:")
	var list struct{ Items []map[string]any }
	bob.okJSON(&list, "workspace", "list")
	if len(list.Items) < 2 { // the personal workspace and acme
		t.Errorf("bob's workspace list: %v", list.Items)
	}
}

func cliOwnerRenamePlan(t *testing.T, c *teamCtx) {
	mustContain(t, "owner transfer", c.owner.ok("owner", "transfer", c.adaID), "now owns")
	tableRow(t, c.ada.ok("member", "list"), c.adaID, "owner")
	tableRow(t, c.ada.ok("member", "list"), c.ownerID, "admin")
	mustContain(t, "workspace rename", c.ada.ok("workspace", "rename", "acme-2"), "acme-2")
	var plans struct{ Items []struct{ Name string } }
	c.ada.okJSON(&plans, "plan", "list")
	if b, _ := json.Marshal(plans); !strings.Contains(string(b), `"starter"`) {
		t.Errorf("plan list: %s", b)
	}
	mustContain(t, "plan list table", c.ada.ok("plan", "list"), "SEATS", "business", "100")
	mustContain(t, "plan set", c.ada.ok("plan", "set", "business"), "business")
	mustContain(t, "plan define", c.op.ok("plan", "define", "team-xl", "--seats", "250", "--keys", "50"), "team-xl", "250")
	mustContain(t, "plan define by a member", c.ada.fail(1, "plan", "define", "x", "--seats", "1", "--keys", "1"), "tollgate: forbidden:")
	mustContain(t, "plan set unknown", c.ada.fail(1, "plan", "set", "nope"), "tollgate: ")
}

func cliAudit(t *testing.T, c *teamCtx) {
	out := c.ada.ok("audit", "list")
	mustContain(t, "audit list", out, "ACTION", "invitation.create", "workspace.rename", "workspace.owner_transfer")
	var page struct {
		Items []struct {
			Action  string
			ActorID string `json:"actor_id"`
		}
	}
	c.op.okJSON(&page, "audit", "list", "-w", c.ws, "--actor", c.adaID)
	for _, it := range page.Items {
		if it.ActorID != c.adaID {
			t.Errorf("audit --actor: entry by %q", it.ActorID)
		}
	}
	if len(page.Items) == 0 {
		t.Errorf("audit --actor %s: no entries", c.adaID)
	}
	lines := strings.Split(strings.TrimSpace(c.ada.ok("audit", "export")), "\n")
	for _, l := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil || e["action"] == nil {
			t.Fatalf("audit export line %q: %v", l, err)
		}
	}
	if len(lines) < 3 {
		t.Errorf("audit export: %d lines", len(lines))
	}
	if strings.Contains(out+strings.Join(lines, ""), c.adaTok) {
		t.Errorf("the audit log shows a token")
	}
}

func cliTransferDelete(t *testing.T, c *teamCtx) {
	var beta struct{ Workspace struct{ ID string } }
	c.op.okJSON(&beta, "workspace", "create", "beta", "--owner-email", "ada@example.com")
	c.op.ok("upstream", "add", "shared", "-w", c.ws, "--url", "http://127.0.0.1:9/v1", "--kind", "llm")
	mustContain(t, "upstream transfer", c.op.ok("upstream", "transfer", "shared", "-w", c.ws, "--to", beta.Workspace.ID), "shared", beta.Workspace.ID)
	if strings.Contains(c.op.ok("upstream", "list", "-w", c.ws), "shared") {
		t.Errorf("the upstream is still in the source workspace")
	}
	tableRow(t, c.op.ok("upstream", "list", "-w", beta.Workspace.ID), "shared")
	mustContain(t, "delete unconfirmed", c.op.fail(1, "workspace", "delete", "-w", beta.Workspace.ID, "--confirm", "gamma"), "tollgate: ")
	mustContain(t, "workspace delete", c.op.ok("workspace", "delete", "-w", beta.Workspace.ID, "--confirm", "beta"), "Deleted workspace beta")
	if strings.Contains(c.op.ok("workspace", "list"), beta.Workspace.ID) {
		t.Errorf("the deleted workspace is still listed")
	}
}

func cliRemoveOffboard(t *testing.T, c *teamCtx) {
	// The former owner, now an admin, creates a key; removal with --revoke-keys revokes it.
	var key struct{ Key struct{ ID string } }
	c.owner.okJSON(&key, "key", "create", "old-owner-bot")
	mustContain(t, "member remove --revoke-keys", c.ada.ok("member", "remove", c.ownerID, "--revoke-keys"), "revoked 1 key(s)")
	tableRow(t, c.ada.ok("key", "list"), key.Key.ID, "revoked")
	mustContain(t, "removed member's token", c.owner.fail(1, "whoami"), "tollgate: unauthorized:")

	erin, _, _ := c.invite(t, c.ada, "erin@example.com", "member")
	out := c.op.ok("offboard", "erin@example.com")
	tableRow(t, out, c.ws, "true")
	mustContain(t, "offboarded token", erin.fail(1, "whoami"), "tollgate: unauthorized:")
}

func cliOwnToken(t *testing.T, c *teamCtx) {
	res := c.ada.run("", "token", "rotate")
	if res.code != 0 {
		t.Fatalf("token rotate: %d %s", res.code, res.stderr)
	}
	mustContain(t, "token rotate warning", res.stderr, "shown only once")
	fresh := c.anon.with("TOLLGATE_TOKEN=" + secretLine(t, res.stdout, "token"))
	mustContain(t, "old token after rotate", c.ada.fail(1, "whoami"), "tollgate: unauthorized:")
	mustContain(t, "new token", fresh.ok("whoami"), "ada@example.com")
	fresh.ok("token", "revoke")
	mustContain(t, "revoked own token", fresh.fail(1, "whoami"), "tollgate: unauthorized:")
}

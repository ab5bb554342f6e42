package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLILoginSavesPrivateConfig checks `tollgate login` verifies the token,
// stores it in a 0600 file under XDG_CONFIG_HOME, never prints it, and that
// later commands use it; a wrong token is refused with exit 1 and no file.
func TestCLILoginSavesPrivateConfig(t *testing.T) {
	p := startProc(t, "")
	cfgHome := t.TempDir()
	cli := newCLI(t, "XDG_CONFIG_HOME="+cfgHome)
	file := filepath.Join(cfgHome, "tollgate", "config.json")

	res := cli.run("tgo_wrongwrongwrongwrongwrongwrongwrong\n", "login", "--addr", p.admin)
	if res.code != 1 || !strings.Contains(res.stderr, "tollgate: unauthorized:") {
		t.Fatalf("login with a wrong token: exit %d, stderr %q", res.code, res.stderr)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("a refused login wrote %s (%v)", file, err)
	}

	res = cli.run(p.operator+"\n", "login", "--addr", strings.TrimPrefix(p.admin, "http://"))
	if res.code != 0 {
		t.Fatalf("login: exit %d: %s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, p.operator) {
		t.Errorf("login printed the token")
	}
	for path, want := range map[string]os.FileMode{file: 0o600, filepath.Dir(file): 0o700} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", path, st.Mode().Perm(), want)
		}
	}
	b, _ := os.ReadFile(file)
	mustContain(t, "config file", string(b), p.operator, p.admin)

	cli.ok("workspace", "create", "from-login", "--owner-email", "lee@example.com")
	mustContain(t, "workspace list via the saved login", cli.ok("workspace", "list"), "from-login")

	// The environment overrides the file: a wrong TOLLGATE_TOKEN fails.
	stderr := cli.with("TOLLGATE_TOKEN=tgo_wrongwrongwrongwrongwrongwrongwrong").fail(1, "workspace", "list")
	mustContain(t, "env override", stderr, "tollgate: unauthorized:")
}

// TestCLIOperatorFlows drives the workspace, upstream, member, key and token
// commands as separate processes against a real `tollgate serve`, checking
// the tables, the JSON and the exit codes.
func TestCLIOperatorFlows(t *testing.T) {
	p := startProc(t, "")
	op := newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+p.operator)

	var ws struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Workspace *struct {
			ID string `json:"id"`
		} `json:"workspace"`
	}
	op.okJSON(&ws, "workspace", "create", "acme", "--owner-email", "owner@example.com")
	if ws.Workspace != nil {
		ws.ID = ws.Workspace.ID
	}
	if ws.ID == "" {
		t.Fatalf("workspace create -o json: no id")
	}
	row := tableRow(t, op.ok("workspace", "list"), ws.ID)
	if row[1] != "acme" {
		t.Errorf("workspace list row %q: want NAME acme", row)
	}
	w := op.with("TOLLGATE_WORKSPACE=" + ws.ID)

	t.Run("upstream", func(t *testing.T) { cliUpstreams(t, w, ws.ID) })
	t.Run("public upstream", func(t *testing.T) { cliPublicUpstreams(t, w) })
	t.Run("member key token", func(t *testing.T) { cliMembersKeysTokens(t, p, w, ws.ID) })
	t.Run("key model limits", func(t *testing.T) { cliKeyModelLimits(t, w) })
}

func cliUpstreams(t *testing.T, w *cliRunner, ws string) {
	secret := "sk-cli-credential-never-shown"
	out := w.with("OPENAI_KEY="+secret).ok("upstream", "add", "openai", "--url", "http://127.0.0.1:9/v1", "--kind", "llm", "--credential-env", "OPENAI_KEY")
	mustContain(t, "upstream add", out, "openai", "llm", "http://127.0.0.1:9/v1", "true")
	list := w.ok("upstream", "list")
	mustContain(t, "upstream list header", list, "NAME", "KIND", "BASE URL", "CREDENTIAL")
	if strings.Contains(list+w.ok("upstream", "list", "-o", "json"), secret) {
		t.Errorf("the upstream credential was printed")
	}
	w.ok("upstream", "edit", "openai", "--url", "http://127.0.0.1:10/v2")
	var got struct {
		Items []struct {
			Name, BaseURL string
			HasCredential bool `json:"has_credential"`
		}
	}
	w.okJSON(&got, "upstream", "list")
	if len(got.Items) != 1 || got.Items[0].Name != "openai" || !got.Items[0].HasCredential {
		t.Fatalf("after edit: %+v (the credential must be kept)", got.Items)
	}
	// Through -w instead of the environment, and a second one with a credential from stdin.
	res := w.with("TOLLGATE_WORKSPACE=").run("sk-from-stdin\n", "upstream", "add", "tools", "-w", ws,
		"--url", "http://127.0.0.1:11/mcp", "--kind", "mcp", "--credential-stdin")
	if res.code != 0 {
		t.Fatalf("upstream add --credential-stdin: %d %s", res.code, res.stderr)
	}
	mustContain(t, "upstream remove", w.ok("upstream", "remove", "tools"), "Removed upstream tools.")
	stderr := w.fail(1, "upstream", "remove", "tools")
	mustContain(t, "remove twice", stderr, `tollgate: not_found: upstream "tools" not found`)
}

func cliMembersKeysTokens(t *testing.T, p *proc, w *cliRunner, ws string) {
	var m struct {
		Member struct{ ID string }
		Token  string
	}
	p.adminDo(t, "POST", "/v1/workspaces/"+ws+"/members", map[string]any{"email": "ada@example.com", "role": "member"}, &m)

	row := tableRow(t, w.ok("member", "list"), m.Member.ID)
	mustContain(t, "member list row", strings.Join(row, " "), "ada@example.com", "member", "active")
	mustContain(t, "member role", w.ok("member", "role", m.Member.ID, "admin"), "admin")
	var mv struct {
		Role string
		RPM  int64
	}
	w.okJSON(&mv, "member", "limit", m.Member.ID, "120")
	if mv.Role != "admin" || mv.RPM != 120 {
		t.Errorf("member limit -o json: %+v, want admin with rpm 120", mv)
	}
	stderr := w.fail(1, "member", "role", m.Member.ID, "emperor")
	mustContain(t, "bad role", stderr, "tollgate: invalid_request: role")

	res := w.run("", "key", "create", "ci-bot", "--rpm", "30")
	if res.code != 0 {
		t.Fatalf("key create: %d %s", res.code, res.stderr)
	}
	mustContain(t, "key create", res.stdout, "ci-bot", "key: wsk_")
	mustContain(t, "key create warning", res.stderr, "shown only once")
	var keys struct {
		Items []struct{ ID, Name, Display, Status string }
	}
	w.okJSON(&keys, "key", "list")
	if len(keys.Items) != 1 || keys.Items[0].Name != "ci-bot" {
		t.Fatalf("key list: %+v", keys.Items)
	}
	secret := strings.TrimSpace(strings.SplitN(res.stdout[strings.Index(res.stdout, "key: ")+5:], "\n", 2)[0])
	if strings.Contains(w.ok("key", "list"), secret) {
		t.Errorf("key list shows the secret")
	}
	mustContain(t, "key revoke", w.ok("key", "revoke", keys.Items[0].ID), "Revoked key")
	tableRow(t, w.ok("key", "list"), keys.Items[0].ID, "revoked")

	var rot struct {
		Token   string
		TokenID string `json:"token_id"`
	}
	w.okJSON(&rot, "token", "rotate", "--member", m.Member.ID)
	if !strings.HasPrefix(rot.Token, "mwt_") || rot.TokenID == "" {
		t.Fatalf("token rotate --member: %+v", rot)
	}
	mustContain(t, "token revoke --id", w.ok("token", "revoke", "--id", rot.TokenID), "Revoked token "+rot.TokenID)

	out := w.ok("member", "remove", m.Member.ID)
	mustContain(t, "member remove", out, "Removed member "+m.Member.ID)
	tableRow(t, w.ok("member", "list"), m.Member.ID, "removed")
}

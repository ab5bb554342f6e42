package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// ownerOf creates a workspace with the operator CLI and returns its id and
// the owner's member token.
func ownerOf(t *testing.T, op *cliRunner, name string) (ws, owner string) {
	t.Helper()
	var created struct {
		Workspace struct{ ID string } `json:"workspace"`
		Token     string              `json:"token"`
	}
	op.okJSON(&created, "workspace", "create", name, "--owner-email", "owner-"+name+"@example.com")
	if created.Workspace.ID == "" || created.Token == "" {
		t.Fatalf("workspace create -o json: %+v", created)
	}
	return created.Workspace.ID, created.Token
}

// TestCLICreditsAndVouchers drives credits and voucher commands as separate
// processes against `tollgate serve`: the operator tops up, adjusts and
// makes a voucher (code printed once); the owner reads the balance and the
// ledger as decimals and redeems the voucher once (a second redeem exits 1
// with voucher_used).
func TestCLICreditsAndVouchers(t *testing.T) {
	p := startProc(t, "")
	op := newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+p.operator)
	ws, ownerTok := ownerOf(t, op, "credits")
	opw := op.with("TOLLGATE_WORKSPACE=" + ws)
	owner := newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+ownerTok)

	out := opw.ok("credits", "topup", "12.5", "--note", "invoice 7")
	mustContain(t, "credits topup", out, "AMOUNT", "topup", "12.5", "invoice 7", "Balance: 12.5 credits (12.5 available).")
	out = opw.ok("credits", "adjust", "--credits", "-2.25", "--note", "refund")
	mustContain(t, "credits adjust", out, "adjustment", "-2.25", "Balance: 10.25 credits")
	mustContain(t, "adjust without a note", opw.fail(2, "credits", "adjust", "--credits", "1"), "--note")
	mustContain(t, "a bad amount", opw.fail(2, "credits", "topup", "1.2345678"), "at most 6 decimals")

	row := tableRow(t, owner.ok("credits", "balance"), ws)
	if row[1] != "10.25" || row[3] != "10.25" {
		t.Errorf("credits balance row %q: want BALANCE and AVAILABLE 10.25", row)
	}
	tx := owner.ok("credits", "transactions")
	mustContain(t, "credits transactions", tx, "KIND", "topup", "adjustment", "-2.25", "refund")
	var ledger struct {
		Items []struct {
			Kind   string
			Amount int64
		}
	}
	owner.okJSON(&ledger, "credits", "transactions")
	if len(ledger.Items) != 2 || ledger.Items[0].Kind != "adjustment" || ledger.Items[0].Amount != -2_250_000 {
		t.Fatalf("credits transactions -o json: %+v", ledger.Items)
	}
	mustContain(t, "a member may not top up", owner.fail(1, "credits", "topup", "5"), "tollgate: forbidden:")

	res := op.run("", "voucher", "create", "5", "--expires-in", "7d", "--note", "promo")
	if res.code != 0 {
		t.Fatalf("voucher create: %d %s", res.code, res.stderr)
	}
	mustContain(t, "voucher create", res.stdout, "promo", "unused", "voucher code: tgv_")
	mustContain(t, "voucher create warning", res.stderr, "shown only once")
	code := strings.TrimSpace(strings.SplitN(res.stdout[strings.Index(res.stdout, "voucher code: ")+14:], "\n", 2)[0])
	mustContain(t, "voucher redeem", owner.ok("voucher", "redeem", code), "Redeemed 5 credits; the balance is 15.25 credits.")
	mustContain(t, "redeem twice", owner.fail(1, "voucher", "redeem", code), "tollgate: voucher_used:")
	mustContain(t, "a typo", owner.fail(1, "voucher", "redeem", code[:len(code)-1]+"x"), "tollgate: voucher_unknown:")
	list := op.ok("voucher", "list")
	tableRow(t, list, "redeemed", ws)
	if strings.Contains(list+op.ok("voucher", "list", "-o", "json"), code) {
		t.Errorf("voucher list shows the code")
	}
}

// TestCLIUsageWebhooksAndLimits: usage reports the traffic the gateway
// settled (table with a TOTAL row, JSON, CSV that parses); webhook add
// prints its secret once, list never; key, member and workspace limit
// commands send token limits and caps in credits.
func TestCLIUsageWebhooksAndLimits(t *testing.T) {
	p := startProc(t, "")
	ten := seedTenant(t, p, echoUpstream(t).URL)
	op := newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+p.operator, "TOLLGATE_WORKSPACE="+ten.ws)
	for i := 0; i < 3; i++ {
		if s := call(t, p.data, ten.token); s != 200 {
			t.Fatalf("gateway call %d: %d", i, s)
		}
	}
	var rep struct {
		Rows []struct {
			Group    string
			Label    string
			Requests int64
		}
		Totals struct{ Requests int64 }
	}
	for deadline := time.Now().Add(10 * time.Second); ; { // settlement runs off the request path
		op.okJSON(&rep, "usage", "--by", "member", "--since", "1d")
		if rep.Totals.Requests == 3 || time.Now().After(deadline) {
			break
		}
	}
	if rep.Totals.Requests != 3 || len(rep.Rows) != 1 || rep.Rows[0].Group != ten.memberID || rep.Rows[0].Label != "ada@example.com" {
		t.Fatalf("usage --by member -o json: %+v", rep)
	}
	tableRow(t, op.ok("usage", "--by", "member", "--bucket", "day"), "ada@example.com", "3")
	tableRow(t, op.ok("usage", "--by", "member"), "TOTAL", "3")
	recs, err := csv.NewReader(strings.NewReader(op.ok("usage", "--by", "model", "-o", "csv"))).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][1] != "group" || recs[1][3] != "3" {
		t.Fatalf("usage -o csv: %q %v", recs, err)
	}
	mustContain(t, "usage -o yaml", op.fail(2, "usage", "-o", "yaml"), "want table, json or csv")
	var me struct {
		MemberID string `json:"member_id"`
	}
	newCLI(t, "TOLLGATE_ADDR="+p.admin, "TOLLGATE_TOKEN="+ten.token).okJSON(&me, "usage", "--me")
	if me.MemberID != ten.memberID {
		t.Fatalf("usage --me: %+v", me)
	}

	res := op.run("", "webhook", "add", "http://127.0.0.1:9/hook", "--event", "credits.low")
	if res.code != 0 {
		t.Fatalf("webhook add: %d %s", res.code, res.stderr)
	}
	mustContain(t, "webhook add", res.stdout, "credits.low", "signing secret: whsec_")
	secret := strings.TrimSpace(strings.SplitN(res.stdout[strings.Index(res.stdout, "signing secret: ")+16:], "\n", 2)[0])
	var hooks struct{ Items []struct{ ID string } }
	op.okJSON(&hooks, "webhook", "list")
	if len(hooks.Items) != 1 || strings.Contains(op.ok("webhook", "list"), secret) {
		t.Fatalf("webhook list: %+v", hooks)
	}
	mustContain(t, "webhook deliveries", op.ok("webhook", "deliveries", hooks.Items[0].ID), "EVENT", "STATUS")
	mustContain(t, "webhook delete", op.ok("webhook", "delete", hooks.Items[0].ID), "Deleted webhook")
	mustContain(t, "a bad event", op.fail(1, "webhook", "add", "https://x.example", "--event", "nope"), "invalid_request: events[0]")

	cliLimits(t, op, ten)
}

// cliLimits: the limit flags of key create, key limits, member limit and
// workspace limits reach the API, caps typed in credits.
func cliLimits(t *testing.T, op *cliRunner, ten tenant) {
	var k struct {
		Key struct {
			ID          string
			TPM         int64 `json:"tpm"`
			Monthly     int64 `json:"monthly_credits"`
			ModelLimits map[string]struct {
				RPM            int64 `json:"rpm"`
				MonthlyCredits int64 `json:"monthly_credits"`
			} `json:"model_limits"`
		}
	}
	op.okJSON(&k, "key", "create", "bot", "--tpm", "9000", "--monthly-credits", "2.5", "--model-limit", "gpt-4o=rpm:5,monthly_credits:1")
	if k.Key.TPM != 9000 || k.Key.Monthly != 2_500_000 || k.Key.ModelLimits["gpt-4o"].RPM != 5 || k.Key.ModelLimits["gpt-4o"].MonthlyCredits != 1_000_000 {
		t.Fatalf("key create with limits: %+v", k.Key)
	}
	tableRow(t, op.ok("key", "list"), k.Key.ID, "9000", "2.5")
	row := tableRow(t, op.ok("key", "limits", k.Key.ID, "--tpm", "100", "--clear-model-limits"), k.Key.ID)
	mustContain(t, "key limits", strings.Join(row, " "), "100", "2.5")
	op.fail(2, "key", "limits", k.Key.ID)
	op.fail(2, "key", "create", "bad", "--model-limit", "gpt-4o=rpm:x")

	tableRow(t, op.ok("member", "limit", ten.memberID, "--tpm", "500", "--monthly-credits", "0.75"), ten.memberID, "500", "0.75")
	var ws bytes.Buffer
	ws.WriteString(op.ok("workspace", "limits", "--member-tpm", "1234", "--token-count", "output", "--key-monthly-credits", "20", "-o", "json"))
	var lim struct {
		Limits struct {
			MemberRPM  int64  `json:"member_rpm"`
			MemberTPM  int64  `json:"member_tpm"`
			TokenCount string `json:"token_count"`
			KeyMonthly int64  `json:"key_monthly_credits"`
		}
	}
	if err := json.Unmarshal(ws.Bytes(), &lim); err != nil || lim.Limits.MemberTPM != 1234 || lim.Limits.TokenCount != "output" ||
		lim.Limits.KeyMonthly != 20_000_000 || lim.Limits.MemberRPM != 120 {
		t.Fatalf("workspace limits: %s %v", ws.String(), err)
	}
	tableRow(t, op.ok("workspace", "limits"), "1234", "output", "20")
}

// TestCLIMoneyHelpAndUsageErrors: each new command's --help shows its
// examples, and command lines it cannot accept exit 2 before any API call
// (no server is running).
func TestCLIMoneyHelpAndUsageErrors(t *testing.T) {
	cli := newCLI(t, "TOLLGATE_ADDR=http://127.0.0.1:1", "TOLLGATE_TOKEN=tgo_x", "TOLLGATE_WORKSPACE=01J")
	for _, c := range [][]string{
		{"credits", "topup"}, {"credits", "adjust"}, {"credits", "balance"}, {"credits", "transactions"},
		{"voucher", "create"}, {"voucher", "redeem"}, {"voucher", "list"}, {"usage"},
		{"webhook", "add"}, {"webhook", "list"}, {"webhook", "delete"}, {"webhook", "deliveries"},
		{"key", "limits"}, {"workspace", "limits"}, {"member", "limit"},
	} {
		out := cli.ok(append(c, "--help")...)
		mustContain(t, strings.Join(c, " ")+" --help", out, "Examples:", "tollgate "+strings.Join(c, " "))
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"credits", "topup", "1.2345678"}, "CREDITS: want a number of credits"},
		{[]string{"credits", "topup"}, "accepts 1 arg(s)"},
		{[]string{"credits", "adjust", "--credits", "x", "--note", "n"}, "--credits: want a number of credits"},
		{[]string{"voucher", "create", "5", "--expires-in", "1d", "--expires-at", "2030-01-01T00:00:00Z"}, "give one, not both"},
		{[]string{"key", "limits", "01JKEY"}, "nothing to change"},
		{[]string{"key", "limits", "01JKEY", "--monthly-credits", "lots"}, "--monthly-credits: want"},
		{[]string{"key", "limits", "01JKEY", "--model-limit", "m=rpm:1", "--clear-model-limits"}, "give one, not both"},
		{[]string{"key", "create", "k", "--model-limit", "m=rps:1"}, "is not FIELD:VALUE"},
		{[]string{"member", "limit", "01JM"}, "nothing to change"},
		{[]string{"webhook", "deliveries", "a", "b"}, "accepts at most 1 arg(s)"},
		{[]string{"usage", "-o", "yaml"}, "want table, json or csv"},
		{[]string{"workspace", "limits", "--member-tpm", "many"}, "--member-tpm: want a whole number"},
	} {
		mustContain(t, strings.Join(c.args, " "), cli.fail(2, c.args...), c.want, "--help")
	}
}

package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The two verification snippets of docs/webhooks.md live here, so they are
// run; TestDocSnippetsAreTheTestedOnes keeps the page in step.

// doc:go-begin
// verifyTollgate reports whether header, the Tollgate-Signature value,
// signs body with secret, and was made within five minutes of now.
func verifyTollgate(secret, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, field := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(unix, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// doc:go-end

// shellVerify is the openssl snippet of the page, verbatim.
const shellVerify = `# SECRET: the webhook's secret; HEADER: the Tollgate-Signature value;
# body.json: the request body exactly as received.
t=$(printf '%s' "$HEADER" | tr ',' '\n' | sed -n 's/^t=//p')
expected=$( (printf '%s.' "$t"; cat body.json) |
  openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
age=$(( $(date +%s) - t ))
if [ "${age#-}" -le 300 ] &&
   printf '%s' "$HEADER" | tr ',' '\n' | grep -qx "v1=$expected"; then
  echo valid
else
  echo invalid
fi
`

// TestGoSnippetVerifiesSignatures: the Go code receivers copy accepts our signatures and refuses tampering.
func TestGoSnippetVerifiesSignatures(t *testing.T) {
	secret, body := NewWebhookSecret(), []byte(`{"id":"e1","type":"credits.low"}`)
	now := time.Now()
	h := Sign([]byte(secret), now, body)
	if !verifyTollgate(secret, h, body, now.Add(time.Minute)) {
		t.Fatal("refused a good signature")
	}
	for name, ok := range map[string]bool{
		"other body":   verifyTollgate(secret, h, []byte(`{"id":"e2"}`), now),
		"other secret": verifyTollgate(NewWebhookSecret(), h, body, now),
		"stale":        verifyTollgate(secret, h, body, now.Add(6*time.Minute)),
		"no header":    verifyTollgate(secret, "", body, now),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestShellSnippetVerifiesSignatures: the openssl recipe gives the same answer as Verify on real signatures.
func TestShellSnippetVerifiesSignatures(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	secret, body := NewWebhookSecret(), []byte(`{"id":"e1","type":"credits.low","data":{"balance":4500000}}`)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(header string) string {
		cmd := exec.Command("sh", "-c", shellVerify)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "SECRET="+secret, "HEADER="+header)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("snippet failed: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	now := time.Now()
	if got := run(Sign([]byte(secret), now, body)); got != "valid" {
		t.Fatalf("good signature: %q", got)
	}
	if got := run(Sign([]byte("whsec_other"), now, body)); got != "invalid" {
		t.Fatalf("wrong secret: %q", got)
	}
	if got := run(Sign([]byte(secret), now.Add(-10*time.Minute), body)); got != "invalid" {
		t.Fatalf("stale: %q", got)
	}
}

// TestDocSnippetsAreTheTestedOnes: docs/webhooks.md must show exactly the snippets the tests above run.
func TestDocSnippetsAreTheTestedOnes(t *testing.T) {
	page, err := os.ReadFile("../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("webhook_doc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, goSnippet, _ := strings.Cut(string(src), "// doc:go-begin\n")
	goSnippet, _, _ = strings.Cut(goSnippet, "\n// doc:go-end")
	for name, snippet := range map[string]string{"Go": goSnippet, "shell": shellVerify} {
		if !strings.Contains(string(page), snippet) {
			t.Errorf("docs/webhooks.md does not contain the tested %s snippet:\n%s", name, snippet)
		}
	}
}

package notify

import (
	"strings"
	"testing"
	"time"
)

// TestInvitationFindsCodeInAnyPartOfTheLink: the CLI line needs the code wherever the admin API puts it.
func TestInvitationFindsCodeInAnyPartOfTheLink(t *testing.T) {
	code := inviteCodeFor(t)
	for _, link := range []string{
		"https://tg.example.com/v1/invitations/" + code + "/accept",
		"https://tg.example.com/accept?x=1&code=" + code,
		"https://tg.example.com/accept#" + code,
		"http://localhost:9090/v1/invitations:accept?code=" + code, // the admin API's link
	} {
		m := Invitation("a@example.com", "ws", "bob", "member", link, time.Unix(0, 0))
		if !strings.Contains(m.Text, "tollgate invite accept "+code+"\n") {
			t.Errorf("%s: CLI line missing:\n%s", link, m.Text)
		}
	}
}

// TestInvitationWithoutValidCodeSaysWhereToFindIt: a link without a code (or with a corrupted one) still yields usable text.
func TestInvitationWithoutValidCodeSaysWhereToFindIt(t *testing.T) {
	bad := "inv_" + strings.Repeat("A", 61) // right shape, wrong checksum
	m := Invitation("a@example.com", "ws", "bob", "member", "https://tg.example.com/accept/"+bad, time.Unix(0, 0))
	if !strings.Contains(m.Text, "tollgate invite accept <code from the link above>") {
		t.Fatalf("got:\n%s", m.Text)
	}
}

// TestInvitationCleansUserChosenNames: workspace and inviter names must not forge headers or lines.
func TestInvitationCleansUserChosenNames(t *testing.T) {
	m := Invitation("a@example.com", "Evil\r\nBcc: x@example.com", "bob\n\tthe admin", "member", "https://x/accept", time.Unix(0, 0))
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject has a line break: %q", m.Subject)
	}
	if strings.Contains(m.Text, "\nBcc:") || !strings.Contains(m.Text, `"Evil  Bcc: x@example.com"`) {
		t.Fatalf("text not cleaned:\n%s", m.Text)
	}
	if len(m.To) != 1 || m.To[0] != "a@example.com" {
		t.Fatalf("to %v", m.To)
	}
}

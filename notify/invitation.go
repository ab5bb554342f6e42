package notify

import (
	"regexp"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/tollgate-dev/tollgate/token"
)

// invitationText is the invitation body. Every value is cleaned of control
// characters before it is inserted; plain text needs no other escaping.
var invitationText = template.Must(template.New("invitation").Parse(`Hello,

{{.Inviter}} invited you to join the workspace "{{.Workspace}}" on Tollgate as {{.Role}}.

Accept the invitation by opening this link:

  {{.AcceptURL}}

or from the command line:

  tollgate invite accept {{.Code}}

The invitation expires on {{.Expires}}. If you did not expect it, ignore this
e-mail; nothing happens until the invitation is accepted.
`))

// inviteCode finds an invitation code (inv_…) in an accept link.
var inviteCode = regexp.MustCompile(`inv_[0-9A-Za-z]{61}`)

// Invitation returns the invitation e-mail to address to: who invited them
// to which workspace with which role, the accept link, the CLI command and
// the expiry (shown in UTC). acceptURL must carry the invitation code
// (inv_…) somewhere, as a path segment or a query value; the CLI command is
// built from it, and says "<code from the link above>" when none is found.
// The names are cleaned of line breaks and control characters, since they
// come from users.
func Invitation(to, workspaceName, inviter, role, acceptURL string, expires time.Time) Message {
	ws, who := clean(workspaceName), clean(inviter)
	var b strings.Builder
	_ = invitationText.Execute(&b, map[string]string{ // cannot fail: fixed template, string fields
		"Inviter":   who,
		"Workspace": ws,
		"Role":      clean(role),
		"AcceptURL": clean(acceptURL),
		"Code":      codeIn(acceptURL),
		"Expires":   expires.UTC().Format("Monday 2 January 2006, 15:04 MST"),
	})
	return Message{
		To:      []string{to},
		Subject: who + ` invited you to "` + ws + `" on Tollgate`,
		Text:    b.String(),
	}
}

// codeIn returns the first valid invitation code in s.
func codeIn(s string) string {
	for _, c := range inviteCode.FindAllString(s, -1) {
		if p, err := token.Parse([]byte(c)); err == nil && p.Kind == token.Invite {
			return c
		}
	}
	return "<code from the link above>"
}

// clean replaces control characters (line breaks included) with spaces and
// trims the result, so user-chosen names cannot forge headers or lines.
func clean(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/cliconfig"
)

var inviteCols = cols("ID", "id", "EMAIL", "email", "ROLE", "role", "STATUS", "status", "EXPIRES", "expires_at")

func inviteCmd(e *cliEnv) *cobra.Command {
	return group("invite", "Invite people by e-mail; accept or decline an invitation",
		"  tollgate invite create ada@example.com --role admin\n  tollgate invite accept inv_XXXX",
		inviteCreateCmd(e), inviteListCmd(e), inviteActionCmd(e, "resend"), inviteActionCmd(e, "cancel"),
		inviteAnswerCmd(e, "accept"), inviteAnswerCmd(e, "decline"))
}

func inviteCreateCmd(e *cliEnv) *cobra.Command {
	var role string
	c := &cobra.Command{
		Use:     "create EMAIL",
		Short:   "Invite a person with a role; without SMTP, prints the code and link to pass on",
		Example: "  tollgate invite create ada@example.com\n  tollgate invite create bob@example.com --role reader -w 01JABCDEF",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodPost, "/invitations", map[string]any{"email": args[0], "role": role})
			if err != nil {
				return err
			}
			return e.showInvitation(cmd, raw)
		},
	}
	c.Flags().StringVar(&role, "role", "member", "admin, member or reader")
	return c
}

// showInvitation prints a created or resent invitation and, when the API
// hands them over (no SMTP), the code and accept link once.
func (e *cliEnv) showInvitation(cmd *cobra.Command, raw []byte) error {
	if err := e.showCreated(cmd, raw, "invitation", inviteCols, "invitation code", "code"); err != nil {
		return err
	}
	if e.json() {
		return nil
	}
	if link := secretAt(raw, "accept_url"); link != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "accept link: %s\nPass the link or the code on; they run: tollgate invite accept CODE\n", link)
	}
	if msg := secretAt(raw, "email_error"); msg != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "Warning:", msg)
	} else if v, _ := decode(raw); lookup(v, "email_sent") == true {
		fmt.Fprintln(cmd.OutOrStdout(), "The invitation was e-mailed with its accept link.")
	}
	return nil
}

func inviteListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List the workspace's invitations and their states (owner or admin)",
		Example: "  tollgate invite list\n  tollgate invite list -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/invitations"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", inviteCols)
		},
	}
	p.bind(c)
	return c
}

// inviteActionCmd is `invite resend` or `invite cancel`.
func inviteActionCmd(e *cliEnv, verb string) *cobra.Command {
	short := map[string]string{
		"resend": "Resend an invitation: a new code, expiry reset to 7 days",
		"cancel": "Cancel a pending invitation: its code stops working",
	}[verb]
	return &cobra.Command{
		Use:     verb + " INVITATION_ID",
		Short:   short,
		Example: "  tollgate invite " + verb + " 01JINVITE",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodPost, "/invitations/"+seg(args[0])+":"+verb, nil)
			if err != nil {
				return err
			}
			if verb == "resend" {
				return e.showInvitation(cmd, raw)
			}
			root := ""
			if v, _ := decode(raw); lookup(v, "invitation") != nil {
				root = "invitation"
			}
			return e.show(cmd, raw, root, inviteCols)
		},
	}
}

// inviteAnswerCmd is `invite accept CODE` or `invite decline CODE`. Decline
// sends no token: the code is the credential. Accept sends a member token
// (flag, TOLLGATE_TOKEN or a saved login) when there is one, because an email
// that already has an account may only accept signed in as that account; a
// new email needs none.
func inviteAnswerCmd(e *cliEnv, verb string) *cobra.Command {
	short := map[string]string{
		"accept": "Accept an invitation with its code; prints your member token once " +
			"(an email that already has an account: run it signed in, with TOLLGATE_TOKEN or a saved login)",
		"decline": "Decline an invitation with its code (no login needed)",
	}[verb]
	return &cobra.Command{
		Use:     verb + " CODE",
		Short:   short,
		Example: "  tollgate invite " + verb + " inv_XXXX --addr https://gw.example.com:9090",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.start(cmd, false)
			if err != nil {
				return err
			}
			if verb == "decline" || !strings.HasPrefix(c.token, "mwt_") {
				c.token = "" // never send an operator token; decline needs none
			} else if tok, err := e.acceptToken(c.addr); err != nil {
				return err
			} else {
				c.token = tok
			}
			raw, err := c.do(cmd.Context(), http.MethodPost, "/v1/invitations:"+verb, map[string]any{"code": args[0]})
			if err != nil {
				return err
			}
			if verb == "decline" {
				return e.show(cmd, raw, "invitation", inviteCols)
			}
			return e.showCreated(cmd, raw, "", cols("WORKSPACE", "workspace.id", "NAME", "workspace.name",
				"MEMBER", "member.id", "EMAIL", "member.email", "ROLE", "member.role"), "member token", "token")
		},
	}
}

// acceptToken returns the member token accept sends to addr: --token or
// TOLLGATE_TOKEN as given, but a saved login's token only when addr is the
// saved login's own address, so that accepting a link of another gateway
// never hands it the saved token.
func (e *cliEnv) acceptToken(addr string) (string, error) {
	if tok := e.token; tok != "" {
		return tok, nil
	}
	if tok := os.Getenv("TOLLGATE_TOKEN"); tok != "" {
		return tok, nil
	}
	path, err := configPath()
	if err != nil {
		return "", err
	}
	cfg, err := cliconfig.Load(path)
	if err != nil || cfg.Addr == "" || normalizeAddr(cfg.Addr) != addr {
		return "", err
	}
	return cfg.Token, nil
}

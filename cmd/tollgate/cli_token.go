package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

func tokenCmd(e *cliEnv) *cobra.Command {
	return group("token", "Rotate or revoke your own member token (or, as operator, a member's)",
		"  tollgate token rotate\n  tollgate token revoke",
		tokenRotateCmd(e), tokenRevokeCmd(e))
}

func tokenRotateCmd(e *cliEnv) *cobra.Command {
	var member string
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Issue a new member token and kill the old one at once; the new one is printed once",
		Example: `  tollgate token rotate                         # your own token
  tollgate token rotate --member 01JMEMBER -w 01JABCDEF   # operator: someone else's`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			suffix := "/tokens/self:rotate"
			if member != "" {
				suffix = "/members/" + seg(member) + "/token:rotate"
			}
			raw, err := e.wsCall(cmd, http.MethodPost, suffix, nil)
			if err != nil {
				return err
			}
			if member == "" && !e.json() {
				defer cmd.PrintErrln("Your old token no longer works: run `tollgate login` with the new one.")
			}
			return e.showCreated(cmd, raw, "", cols("TOKEN ID", "token_id"), "token", "token")
		},
	}
	c.Flags().StringVar(&member, "member", "", "rotate this member's token instead of your own (operator, or the member itself)")
	return c
}

func tokenRevokeCmd(e *cliEnv) *cobra.Command {
	var id string
	c := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke your own member token, or with --id any token of the workspace (operator, owner, admin)",
		Example: `  tollgate token revoke                  # your own: this login stops working
  tollgate token revoke --id 01JTOKEN -w 01JABCDEF`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			target := "self"
			if id != "" {
				target = id
			}
			raw, err := e.wsCall(cmd, http.MethodDelete, "/tokens/"+seg(target), nil)
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Revoked token %s.", target)
		},
	}
	c.Flags().StringVar(&id, "id", "", "the token ID to revoke (default: your own token)")
	return c
}

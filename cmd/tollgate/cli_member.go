package main

import (
	"net/http"
	"strconv"

	"github.com/spf13/cobra"
)

var memberCols = cols("ID", "id", "EMAIL", "email", "ROLE", "role", "STATUS", "status", "RPM", "rpm",
	"TPM", "tpm", "MONTHLY CREDITS", "monthly_credits_credits", "JOINED", "created_at", "LAST ACTIVE", "last_active")

func memberCmd(e *cliEnv) *cobra.Command {
	return group("member", "List members, change their role or rate limit, remove them",
		"  tollgate member list -w 01JABCDEF\n  tollgate member role 01JMEMBER admin",
		memberListCmd(e), memberRemoveCmd(e), memberRoleCmd(e), memberLimitCmd(e))
}

func memberListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List the workspace's members with role, status, joined and last active",
		Example: "  tollgate member list\n  tollgate member list -w 01JABCDEF -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/members"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, e.forPeople(raw, "", "monthly_credits"), "", memberCols)
		},
	}
	p.bind(c)
	return c
}

func memberRemoveCmd(e *cliEnv) *cobra.Command {
	var revoke bool
	c := &cobra.Command{
		Use:     "remove MEMBER_ID",
		Short:   "Remove a member: its token stops at once; its keys stay unless --revoke-keys",
		Example: "  tollgate member remove 01JMEMBER\n  tollgate member remove 01JMEMBER --revoke-keys",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			suffix := "/members/" + seg(args[0])
			if revoke {
				suffix += "?revoke_keys=true"
			}
			raw, err := e.wsCall(cmd, http.MethodDelete, suffix, nil)
			if err != nil {
				return err
			}
			n := 0
			if v, _ := decode(raw); v != nil {
				ids, _ := lookup(v, "revoked_keys").([]any)
				n = len(ids)
			}
			return e.done(cmd, raw, "Removed member %s; revoked %d key(s).", args[0], n)
		},
	}
	c.Flags().BoolVar(&revoke, "revoke-keys", false, "also revoke the workspace keys this member created")
	return c
}

func memberRoleCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "role MEMBER_ID admin|member|reader",
		Short:   "Change a member's role (owner or admin; the owner changes only by `owner transfer`)",
		Example: "  tollgate member role 01JMEMBER admin",
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.patchMember(cmd, args[0], map[string]any{"role": args[1]})
		},
	}
}

func memberLimitCmd(e *cliEnv) *cobra.Command {
	var lim limitFlags
	c := &cobra.Command{
		Use:   "limit MEMBER_ID [RPM]",
		Short: "Set a member's own rate limit, token limit or monthly spend cap (0: the workspace default)",
		Example: `  tollgate member limit 01JMEMBER 120
  tollgate member limit 01JMEMBER --tpm 20000 --monthly-credits 25`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{}
			if len(args) == 2 {
				rpm, err := strconv.ParseInt(args[1], 10, 64)
				if err != nil || rpm < 0 {
					return usagef(cmd, "RPM: want a whole number of requests per minute, got %q", args[1])
				}
				body["rpm"] = rpm
			}
			if err := lim.into(cmd, body); err != nil {
				return err
			}
			if len(body) == 0 {
				return usagef(cmd, "nothing to change: give RPM, --tpm or --monthly-credits")
			}
			return e.patchMember(cmd, args[0], body)
		},
	}
	lim.bind(c, "the member's")
	return c
}

func (e *cliEnv) patchMember(cmd *cobra.Command, id string, body map[string]any) error {
	raw, err := e.wsCall(cmd, http.MethodPatch, "/members/"+seg(id), body)
	if err != nil {
		return err
	}
	return e.show(cmd, e.forPeople(raw, "", "monthly_credits"), "", memberCols)
}

func offboardCmd(e *cliEnv) *cobra.Command {
	var revoke bool
	c := &cobra.Command{
		Use:     "offboard EMAIL",
		Short:   "Remove a person from every workspace where you may remove members, reporting each",
		Example: "  tollgate offboard ada@example.com\n  tollgate offboard ada@example.com --revoke-keys -o json",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.call(cmd, http.MethodPost, "/v1/offboard", map[string]any{"email": args[0], "revoke_keys": revoke})
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "results", cols("WORKSPACE", "workspace_id", "REMOVED", "removed", "ERROR", "error"))
		},
	}
	c.Flags().BoolVar(&revoke, "revoke-keys", false, "also revoke the workspace keys this person created")
	return c
}

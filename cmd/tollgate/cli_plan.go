package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

var planCols = cols("NAME", "name", "SEATS", "seats", "KEYS", "keys", "MEMBER RPM", "limits.member_rpm",
	"KEY RPM", "limits.key_rpm", "WORKSPACE RPM", "limits.workspace_rpm")

func planCmd(e *cliEnv) *cobra.Command {
	return group("plan", "List plans, change a workspace's plan, define plans (operator)",
		"  tollgate plan list\n  tollgate plan set pro -w 01JABCDEF",
		planListCmd(e), planSetCmd(e), planDefineCmd(e))
}

func planListCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the plans with their seats (0: unlimited), key limit and default rate limits",
		Example: "  tollgate plan list\n  tollgate plan list -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.call(cmd, http.MethodGet, "/v1/plans", nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", planCols)
		},
	}
}

func planSetCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "set PLAN",
		Short:   "Put the workspace on a plan (owner or operator); a downgrade below current use is refused",
		Example: "  tollgate plan set business -w 01JABCDEF",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodPut, "/plan", map[string]any{"plan": args[0]})
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", workspaceCols)
		},
	}
}

func planDefineCmd(e *cliEnv) *cobra.Command {
	var seats, keys, memberRPM, keyRPM, wsRPM int64
	c := &cobra.Command{
		Use:     "define NAME --seats N --keys N",
		Short:   "Create or replace a plan (operator): seats (0: unlimited), key limit, default rate limits",
		Example: "  tollgate plan define team-xl --seats 250 --keys 50 --member-rpm 120",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "seats", "keys"); err != nil {
				return err
			}
			body := map[string]any{"seats": seats, "keys": keys,
				"limits": map[string]any{"member_rpm": memberRPM, "key_rpm": keyRPM, "workspace_rpm": wsRPM}}
			raw, err := e.call(cmd, http.MethodPut, "/v1/plans/"+seg(args[0]), body)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", planCols)
		},
	}
	c.Flags().Int64Var(&seats, "seats", 0, "seats: active members plus pending invitations (0: unlimited)")
	c.Flags().Int64Var(&keys, "keys", 0, "active workspace keys allowed")
	c.Flags().Int64Var(&memberRPM, "member-rpm", 0, "default per-member limit, requests per minute (0: off)")
	c.Flags().Int64Var(&keyRPM, "key-rpm", 0, "default per-key limit, requests per minute (0: off)")
	c.Flags().Int64Var(&wsRPM, "workspace-rpm", 0, "default whole-workspace limit, requests per minute (0: off)")
	return c
}

func ownerCmd(e *cliEnv) *cobra.Command {
	return group("owner", "Transfer a workspace's ownership",
		"  tollgate owner transfer 01JADMIN", ownerTransferCmd(e))
}

func ownerTransferCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "transfer MEMBER_ID",
		Short:   "Make an active admin the owner (owner only); you become an admin",
		Example: "  tollgate owner transfer 01JADMIN -w 01JABCDEF",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodPost, "/owner:transfer", map[string]any{"member_id": args[0]})
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Member %s now owns the workspace.", args[0])
		},
	}
}

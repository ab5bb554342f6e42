package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

var workspaceCols = cols("ID", "id", "NAME", "name", "PLAN", "plan", "PERSONAL", "personal", "CREATED", "created_at")

func workspaceCmd(e *cliEnv) *cobra.Command {
	return group("workspace", "Create, list, rename and delete workspaces",
		"  tollgate workspace list\n  tollgate workspace create research --owner-email ada@example.com",
		workspaceCreateCmd(e), workspaceListCmd(e), workspaceRenameCmd(e), workspaceDeleteCmd(e), workspaceLimitsCmd(e))
}

func workspaceCreateCmd(e *cliEnv) *cobra.Command {
	var plan, owner string
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a team workspace (operator: --owner-email is required; member: you own it)",
		Example: `  tollgate workspace create research --owner-email ada@example.com --plan pro
  tollgate workspace create side-project          # with a member token: you become the owner`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{"name": args[0]}
			if plan != "" {
				body["plan"] = plan
			}
			if owner != "" {
				body["owner_email"] = owner
			}
			raw, err := e.call(cmd, http.MethodPost, "/v1/workspaces", body)
			if err != nil {
				return err
			}
			root := ""
			if v, _ := decode(raw); lookup(v, "workspace") != nil {
				root = "workspace"
			}
			return e.showCreated(cmd, raw, root, workspaceCols, "owner token", "token")
		},
	}
	c.Flags().StringVar(&plan, "plan", "", "plan name (default: starter for team workspaces)")
	c.Flags().StringVar(&owner, "owner-email", "", "e-mail of the owner (operator only; the account is created if new)")
	return c
}

func workspaceListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List workspaces: all of them for the operator, your memberships' for a member",
		Example: "  tollgate workspace list\n  tollgate workspace list -o json --limit 100",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.call(cmd, http.MethodGet, "/v1/workspaces"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", workspaceCols)
		},
	}
	p.bind(c)
	return c
}

func workspaceRenameCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "rename NEW_NAME",
		Short:   "Rename a workspace (owner or admin)",
		Example: `  tollgate workspace rename "Research (2026)" -w 01JABCDEF`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodPatch, "", map[string]any{"name": args[0]})
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", workspaceCols)
		},
	}
}

func workspaceDeleteCmd(e *cliEnv) *cobra.Command {
	var confirm string
	c := &cobra.Command{
		Use:     "delete",
		Short:   "Delete a team workspace (owner only); --confirm must repeat its name",
		Example: "  tollgate workspace delete -w 01JABCDEF --confirm research",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "confirm"); err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodDelete, "", map[string]any{"confirm": confirm})
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Deleted workspace %s.", confirm)
		},
	}
	c.Flags().StringVar(&confirm, "confirm", "", "the workspace's name, to confirm the deletion")
	return c
}

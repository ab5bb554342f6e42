package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

var policyCols = cols("UPSTREAM", "upstream", "SCOPE", "scope", "ROLE", "role", "KEY", "key_id",
	"ALLOW", "allow", "DENY", "deny", "UPDATED", "updated_at")

func policyCmd(e *cliEnv) *cobra.Command {
	return group("policy", "Allow or deny MCP tools by name per upstream, narrowed per role or key (set, delete: owner, admin)",
		"  tollgate policy set 7KhAVKhkcsB6 github --allow 'read_*' --deny 'delete_*'\n  tollgate policy list 7KhAVKhkcsB6",
		policySetCmd(e), policyListCmd(e), policyDeleteCmd(e))
}

// policyScopeFlags are --role and --key: which narrower policy a command
// addresses; neither is the workspace's policy of the upstream.
type policyScopeFlags struct{ role, key string }

func (f *policyScopeFlags) bind(c *cobra.Command) {
	c.Flags().StringVar(&f.role, "role", "", "the policy of the members of this role: owner, admin or member")
	c.Flags().StringVar(&f.key, "key", "", "the policy of this workspace key (its id, as in tollgate key list)")
}

// suffix returns the API path of the policy of upstream under the scope.
func (f *policyScopeFlags) suffix(cmd *cobra.Command, upstream string) (string, error) {
	p := "/tool-policies/" + seg(upstream)
	switch {
	case f.role != "" && f.key != "":
		return "", usagef(cmd, "--role and --key: give one (a policy narrows either a role or a key)")
	case f.role != "":
		return p + "/roles/" + seg(f.role), nil
	case f.key != "":
		return p + "/keys/" + seg(f.key), nil
	}
	return p, nil
}

// describe names the scope for people.
func (f *policyScopeFlags) describe() string {
	switch {
	case f.role != "":
		return "role " + f.role
	case f.key != "":
		return "key " + f.key
	}
	return "the whole workspace"
}

// policyArgs takes an optional leading WORKSPACE argument, the same as
// -w/--workspace, and returns the remaining arguments.
func policyArgs(cmd *cobra.Command, e *cliEnv, args []string, rest int) ([]string, error) {
	if len(args) == rest {
		return args, nil
	}
	if e.workspace != "" && e.workspace != args[0] {
		return nil, usagef(cmd, "workspace %q given twice: as an argument and as -w %q", args[0], e.workspace)
	}
	e.workspace = args[0]
	return args[1:], nil
}

func policySetCmd(e *cliEnv) *cobra.Command {
	var allow, deny []string
	var scope policyScopeFlags
	c := &cobra.Command{
		Use:   "set [WORKSPACE] UPSTREAM --allow GLOB --deny GLOB [--role ROLE | --key KEY_ID]",
		Short: "Set (replace) the tool policy of an MCP upstream: deny wins, an empty allow list allows every tool not denied",
		Long: `Set (replace) the tool policy of an MCP upstream for the whole workspace, or
narrow it for the members of one role (--role) or for one workspace key (--key).
A tool is allowed only when the workspace's policy and the narrower one both
allow it. Patterns match tool names: * any run of characters, ? one character.
Denied tools are refused on tools/call and hidden from tools/list.
WORKSPACE defaults to -w, TOLLGATE_WORKSPACE or the member token's own.`,
		Example: `  tollgate policy set 7KhAVKhkcsB6 github --allow 'read_*' --allow 'list_*' --deny 'delete_*'
  tollgate policy set github --deny 'admin_*' --role member
  tollgate policy set github --allow 'search' --key QloaadthnzRg -o json`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := policyArgs(cmd, e, args, 1)
			if err != nil {
				return err
			}
			if len(allow) == 0 && len(deny) == 0 {
				return usagef(cmd, "give at least one --allow or --deny pattern (to remove a policy, use tollgate policy delete)")
			}
			suffix, err := scope.suffix(cmd, args[0])
			if err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodPut, suffix, map[string]any{"allow": nonNil(allow), "deny": nonNil(deny)})
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", policyCols)
		},
	}
	c.Flags().StringArrayVar(&allow, "allow", nil, "allow tools matching this glob (repeat)")
	c.Flags().StringArrayVar(&deny, "deny", nil, "deny tools matching this glob (repeat); deny wins over allow")
	scope.bind(c)
	return c
}

func policyListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	var upstream string
	c := &cobra.Command{
		Use:   "list [WORKSPACE] [--upstream NAME]",
		Short: "List the workspace's tool policies by upstream, then scope (key policies: owner, admin)",
		Example: `  tollgate policy list 7KhAVKhkcsB6
  tollgate policy list --upstream github -o json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := policyArgs(cmd, e, args, 0); err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodGet, "/tool-policies"+p.query("upstream", upstream), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", policyCols)
		},
	}
	p.bind(c)
	c.Flags().StringVar(&upstream, "upstream", "", "only this upstream's policies")
	return c
}

func policyDeleteCmd(e *cliEnv) *cobra.Command {
	var scope policyScopeFlags
	c := &cobra.Command{
		Use:   "delete [WORKSPACE] UPSTREAM [--role ROLE | --key KEY_ID]",
		Short: "Delete one tool policy of an upstream: the workspace's, a role's or a key's",
		Example: `  tollgate policy delete 7KhAVKhkcsB6 github
  tollgate policy delete github --role member`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := policyArgs(cmd, e, args, 1)
			if err != nil {
				return err
			}
			suffix, err := scope.suffix(cmd, args[0])
			if err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodDelete, suffix, nil)
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Deleted the tool policy of upstream %s for %s.", args[0], scope.describe())
		},
	}
	scope.bind(c)
	return c
}

// nonNil sends an absent list as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// cliEnv holds the global CLI flags shared by every noun command.
type cliEnv struct {
	addr, token, output, workspace string
}

// addCLI adds the admin API commands (`tollgate <noun> <verb>`) to root.
func addCLI(root *cobra.Command) {
	env := &cliEnv{}
	for _, c := range []*cobra.Command{
		loginCmd(env), whoamiCmd(env), workspaceCmd(env), memberCmd(env), offboardCmd(env),
		inviteCmd(env), keyCmd(env), tokenCmd(env), upstreamCmd(env), planCmd(env),
		ownerCmd(env), auditCmd(env), creditsCmd(env), voucherCmd(env), usageCmd(env), webhookCmd(env),
		policyCmd(env),
	} {
		env.bind(c)
		c.SetFlagErrorFunc(usage)
		root.AddCommand(c)
	}
}

// bind declares the global flags on a top-level CLI command, so that
// `tollgate serve` keeps only its own flags.
func (e *cliEnv) bind(c *cobra.Command) {
	f := c.PersistentFlags()
	f.StringVar(&e.addr, "addr", "", "admin API address (env TOLLGATE_ADDR; default from tollgate login, else "+defaultAddr+")")
	f.StringVar(&e.token, "token", "", "operator or member token (env TOLLGATE_TOKEN; default from tollgate login)")
	f.StringVarP(&e.output, "output", "o", "table", "output format: table or json")
	f.StringVarP(&e.workspace, "workspace", "w", "", "workspace ID (env TOLLGATE_WORKSPACE; default: the member token's own workspace)")
}

// group returns a noun command whose verbs are its subcommands. An unknown
// verb is a usage error.
func group(use, short, example string, verbs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use: use, Short: short, Example: example,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(verbs...)
	return c
}

// usageArgs wraps an argument validator so that its failure exits with code 2.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usage(cmd, err)
		}
		return nil
	}
}

// usageError is a command line the program could not accept. main prints
// it with a pointer to --help and exits 2 (failures exit 1).
type usageError struct {
	cmd *cobra.Command
	err error
}

func (u *usageError) Error() string { return u.err.Error() }

// usage wraps err as a usage error of cmd.
func usage(cmd *cobra.Command, err error) error { return &usageError{cmd: cmd, err: err} }

// usagef is usage for a formatted message, for checks made inside RunE
// (required flags, flag values) before any API call.
func usagef(cmd *cobra.Command, format string, args ...any) error {
	return usage(cmd, fmt.Errorf(format, args...))
}

// requireFlags returns a usage error when one of the named flags is unset.
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef(cmd, "required flag(s) %s not set", strings.Join(missing, ", "))
	}
	return nil
}

// errNoWorkspace is returned when a workspace is needed and none is known.
var errNoWorkspace = errors.New("no workspace: pass -w/--workspace ID or set TOLLGATE_WORKSPACE (an operator token has no workspace of its own)")

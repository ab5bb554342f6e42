package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/cliconfig"
)

func loginCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Check a token against the admin API and save it with the address (mode 0600)",
		Example: `  tollgate login --addr http://127.0.0.1:9090      # prompts for the token on stdin
  tollgate login --addr https://gw.example.com:9090 --token "$TG_TOKEN"`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.token == "" {
				tok, err := promptToken(cmd)
				if err != nil {
					return err
				}
				e.token = tok
			}
			c, err := e.start(cmd, true)
			if err != nil {
				return err
			}
			// Any authenticated list proves the token, for operators and members alike.
			if _, err := c.do(cmd.Context(), http.MethodGet, "/v1/workspaces?limit=1", nil); err != nil {
				return err
			}
			path, err := configPath()
			if err != nil {
				return err
			}
			if err := cliconfig.Save(path, cliconfig.Config{Addr: c.addr, Token: c.token}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s; saved to %s\n", c.addr, path)
			return nil
		},
	}
}

// promptToken reads the token from the first line of stdin, so that it
// never appears in the shell history or the process list.
func promptToken(cmd *cobra.Command) (string, error) {
	fmt.Fprint(cmd.ErrOrStderr(), "Token: ")
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	tok := strings.TrimSpace(line)
	if tok == "" {
		if err != nil {
			return "", fmt.Errorf("no token on stdin: %w", err)
		}
		return "", errors.New("no token given")
	}
	return tok, nil
}

func whoamiCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show who the token belongs to: the operator, or a member with its workspace and role",
		Example: "  tollgate whoami\n  tollgate whoami -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.call(cmd, http.MethodGet, "/v1/me", nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", cols("KIND", "kind", "EMAIL", "member.email", "ROLE", "member.role",
				"MEMBER", "member.id", "WORKSPACE", "workspace.id", "NAME", "workspace.name"))
		},
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

var upstreamCols = cols("NAME", "name", "KIND", "kind", "BASE URL", "base_url", "CREDENTIAL", "has_credential",
	"PUBLIC", "public", "WORKSPACE", "workspace_id", "CREATED", "created_at")

func upstreamCmd(e *cliEnv) *cobra.Command {
	return group("upstream", "Register, list, edit, remove and transfer upstreams (LLM providers, MCP servers)",
		"  OPENAI_KEY=sk-... tollgate upstream add openai --url https://api.openai.com --kind llm --credential-env OPENAI_KEY\n  tollgate upstream list",
		upstreamAddCmd(e), upstreamListCmd(e), upstreamEditCmd(e), upstreamRemoveCmd(e), upstreamTransferCmd(e))
}

// upstreamFlags are the writable fields. The credential never comes from a
// flag value, which would land in the shell history and the process list.
type upstreamFlags struct {
	url, kind, header, scheme, credEnv string
	credStdin                          bool
}

func (f *upstreamFlags) bind(c *cobra.Command) {
	c.Flags().StringVar(&f.url, "url", "", "base URL, e.g. https://api.openai.com")
	c.Flags().StringVar(&f.kind, "kind", "", "llm or mcp")
	c.Flags().StringVar(&f.header, "auth-header", "", "header that carries the credential (default Authorization)")
	c.Flags().StringVar(&f.scheme, "auth-scheme", "", "scheme before the credential (default Bearer)")
	c.Flags().StringVar(&f.credEnv, "credential-env", "", "read the credential from this environment variable")
	c.Flags().BoolVar(&f.credStdin, "credential-stdin", false, "read the credential from the first line of stdin")
}

// apply writes the changed flags into body.
func (f *upstreamFlags) apply(cmd *cobra.Command, body map[string]any) error {
	for flag, field := range map[string]string{"url": "base_url", "kind": "kind", "auth-header": "auth_header", "auth-scheme": "auth_scheme"} {
		if cmd.Flags().Changed(flag) {
			v, _ := cmd.Flags().GetString(flag)
			body[field] = v
		}
	}
	switch {
	case f.credEnv != "" && f.credStdin:
		return usagef(cmd, "--credential-env and --credential-stdin: give one")
	case f.credEnv != "":
		v, ok := os.LookupEnv(f.credEnv)
		if !ok {
			return usagef(cmd, "--credential-env: environment variable %s is not set", f.credEnv)
		}
		body["credential"] = v
	case f.credStdin:
		b, _ := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 64<<10))
		body["credential"] = strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
	}
	return nil
}

func upstreamAddCmd(e *cliEnv) *cobra.Command {
	var f upstreamFlags
	var public bool
	c := &cobra.Command{
		Use:   "add NAME --url URL --kind llm|mcp",
		Short: "Register an upstream in the workspace, or with --public for every workspace (operator); the credential is write-only",
		Example: `  OPENAI_KEY=sk-... tollgate upstream add openai --url https://api.openai.com --kind llm --credential-env OPENAI_KEY
  tollgate upstream add tools --url http://10.0.0.7:8000/mcp --kind mcp
  tollgate upstream add openai --public --url https://api.openai.com --kind llm --credential-env OPENAI_KEY`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "url", "kind"); err != nil {
				return err
			}
			body := map[string]any{"name": args[0]}
			if err := f.apply(cmd, body); err != nil {
				return err
			}
			var raw []byte
			var err error
			if public {
				raw, err = e.call(cmd, http.MethodPost, "/v1/upstreams", body)
			} else {
				raw, err = e.wsCall(cmd, http.MethodPost, "/upstreams", body)
			}
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", upstreamCols)
		},
	}
	f.bind(c)
	c.Flags().BoolVar(&public, "public", false, "register an operator's public upstream, visible to every workspace (operator token)")
	return c
}

func upstreamListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	var public bool
	c := &cobra.Command{
		Use:     "list",
		Short:   "List the upstreams the workspace can use, public ones included (never their credentials)",
		Example: "  tollgate upstream list\n  tollgate upstream list -o json\n  tollgate upstream list --public",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if public {
				raw, err := e.call(cmd, http.MethodGet, "/v1/upstreams"+p.query(), nil)
				if err != nil {
					return err
				}
				return e.show(cmd, raw, "", upstreamCols)
			}
			raw, err := e.wsCall(cmd, http.MethodGet, "/upstreams"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", upstreamCols)
		},
	}
	p.bind(c)
	c.Flags().BoolVar(&public, "public", false, "list only the operator's public upstreams (operator token)")
	return c
}

func upstreamEditCmd(e *cliEnv) *cobra.Command {
	var f upstreamFlags
	c := &cobra.Command{
		Use:   "edit NAME [flags]",
		Short: "Change an upstream's URL, kind, auth header or credential (owner or admin); other fields stay",
		Example: `  tollgate upstream edit openai --url https://eu.api.openai.com
  tollgate upstream edit openai --credential-stdin < new-key.txt`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{}
			if err := f.apply(cmd, body); err != nil {
				return err
			}
			if len(body) == 0 {
				return usagef(cmd, "nothing to change: give at least one of --url, --kind, --auth-header, --auth-scheme, --credential-env, --credential-stdin")
			}
			return e.editUpstream(cmd, args[0], body)
		},
	}
	f.bind(c)
	return c
}

// editUpstream reads the upstream, overlays the changes and PUTs it back;
// the stored credential is kept unless a new one is given.
func (e *cliEnv) editUpstream(cmd *cobra.Command, name string, changes map[string]any) error {
	cur, err := e.wsCall(cmd, http.MethodGet, "/upstreams/"+seg(name), nil)
	if err != nil {
		return err
	}
	var u map[string]any
	if err := json.Unmarshal(cur, &u); err != nil {
		return fmt.Errorf("the admin API sent a reply that is not JSON: %w", err)
	}
	body := map[string]any{}
	for _, k := range []string{"base_url", "kind", "auth_header", "auth_scheme"} {
		if v, ok := u[k]; ok {
			body[k] = v
		}
	}
	for k, v := range changes {
		body[k] = v
	}
	raw, err := e.wsCall(cmd, http.MethodPut, "/upstreams/"+seg(name), body)
	if err != nil {
		return err
	}
	return e.show(cmd, raw, "", upstreamCols)
}

func upstreamRemoveCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "remove NAME",
		Short:   "Delete an upstream from the workspace (owner or admin)",
		Example: "  tollgate upstream remove openai",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodDelete, "/upstreams/"+seg(args[0]), nil)
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Removed upstream %s.", args[0])
		},
	}
}

func upstreamTransferCmd(e *cliEnv) *cobra.Command {
	var to string
	c := &cobra.Command{
		Use:     "transfer NAME --to WORKSPACE_ID",
		Short:   "Move an upstream to another workspace where you are owner or admin; traffic to it here stops",
		Example: "  tollgate upstream transfer openai --to 01JOTHERWS -w 01JABCDEF",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "to"); err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodPost, "/upstreams/"+seg(args[0])+":transfer", map[string]any{"to_workspace": to})
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", upstreamCols)
		},
	}
	c.Flags().StringVar(&to, "to", "", "the target workspace ID")
	return c
}

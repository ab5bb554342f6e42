package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

var keyCols = cols("ID", "id", "NAME", "name", "PREFIX", "display", "CREATOR", "member_id", "STATUS", "status",
	"RPM", "rpm", "TPM", "tpm", "MONTHLY CREDITS", "monthly_credits_credits", "UPSTREAMS", "upstreams",
	"CREATED", "created_at", "LAST USED", "last_used", "EXPIRES", "expires_at")

func keyCmd(e *cliEnv) *cobra.Command {
	return group("key", "Create, list and revoke workspace keys (service and bot keys)",
		"  tollgate key create ci-bot --rpm 60 --upstream openai\n  tollgate key list\n  tollgate key limits 01JKEY --tpm 20000",
		keyCreateCmd(e), keyListCmd(e), keyRevokeCmd(e), keyLimitsCmd(e))
}

func keyCreateCmd(e *cliEnv) *cobra.Command {
	var rpm int64
	var lim limitFlags
	var upstreams []string
	var expires string
	var models []string
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a workspace key; its secret is printed once",
		Example: `  tollgate key create ci-bot
  tollgate key create nightly --rpm 30 --upstream openai --upstream anthropic --expires 2026-12-31T00:00:00Z
  tollgate key create bot --model-limit gpt-4o=10 --model-limit gpt-4o-mini=100
  tollgate key create bot --tpm 20000 --monthly-credits 50 --model-limit gpt-4o=rpm:10,tpm:5000,monthly_credits:20`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{"name": args[0]}
			if cmd.Flags().Changed("rpm") {
				body["rpm"] = rpm
			}
			if len(upstreams) > 0 {
				body["upstreams"] = upstreams
			}
			if expires != "" {
				body["expires_at"] = expires
			}
			if len(models) > 0 {
				ml, err := parseModelLimits(cmd, models)
				if err != nil {
					return err
				}
				body["model_limits"] = ml
			}
			if err := lim.into(cmd, body); err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodPost, "/keys", body)
			if err != nil {
				return err
			}
			return e.showCreated(cmd, e.forPeople(raw, "key", "monthly_credits"), "key", keyCols, "key", "secret")
		},
	}
	c.Flags().Int64Var(&rpm, "rpm", 0, "the key's rate limit in requests per minute")
	c.Flags().StringArrayVar(&upstreams, "upstream", nil, "allowed upstream (repeat; default: all)")
	c.Flags().StringVar(&expires, "expires", "", "expiry time, RFC 3339 (default: never)")
	c.Flags().StringArrayVar(&models, "model-limit", nil, modelLimitHelp)
	lim.bind(c, "the key's")
	return c
}

func keyListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List workspace keys: name, prefix, creator, created, last used; never the secret",
		Example: "  tollgate key list\n  tollgate key list -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/keys"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, e.forPeople(raw, "", "monthly_credits"), "", keyCols)
		},
	}
	p.bind(c)
	return c
}

func keyRevokeCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "revoke KEY_ID",
		Short:   "Revoke a workspace key: it stops working at once",
		Example: "  tollgate key revoke 01JKEY",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodDelete, "/keys/"+seg(args[0]), nil)
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Revoked key %s.", args[0])
		},
	}
}

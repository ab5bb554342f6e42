package main

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

const modelLimitHelp = "per-model limit for LLM upstreams (repeat): MODEL=RPM, or MODEL=rpm:N,tpm:N,monthly_tokens:N,monthly_credits:CREDITS"

// limitFlags are --tpm and --monthly-credits (and --rpm when withRPM) of the
// commands that set a key's or a member's limits. Monthly credits are typed
// as credits and sent as micro-credits.
type limitFlags struct {
	withRPM  bool
	rpm, tpm int64
	monthly  string
}

func (l *limitFlags) bind(c *cobra.Command, whose string) {
	if l.withRPM {
		c.Flags().Int64Var(&l.rpm, "rpm", 0, whose+" requests per minute (0: the workspace default)")
	}
	c.Flags().Int64Var(&l.tpm, "tpm", 0, whose+" tokens per minute (0: the workspace default)")
	c.Flags().StringVar(&l.monthly, "monthly-credits", "", whose+" spend cap per billing period, in credits (0: the workspace default)")
}

// into adds the flags that were given to body under the admin API's field
// names; a bad --monthly-credits is a usage error.
func (l *limitFlags) into(cmd *cobra.Command, body map[string]any) error {
	f := cmd.Flags()
	if l.withRPM && f.Changed("rpm") {
		body["rpm"] = l.rpm
	}
	if f.Changed("tpm") {
		body["tpm"] = l.tpm
	}
	if f.Changed("monthly-credits") {
		v, err := creditsToMicro(cmd, "--monthly-credits", l.monthly)
		if err != nil {
			return err
		}
		body["monthly_credits"] = v
	}
	return nil
}

func keyLimitsCmd(e *cliEnv) *cobra.Command {
	lim := limitFlags{withRPM: true}
	var models []string
	var clear bool
	c := &cobra.Command{
		Use:   "limits KEY_ID",
		Short: "Change a workspace key's rate, token and monthly limits; the next request sees them",
		Example: `  tollgate key limits 01JKEY --tpm 20000 --monthly-credits 50
  tollgate key limits 01JKEY --model-limit gpt-4o=rpm:10,monthly_tokens:1000000
  tollgate key limits 01JKEY --clear-model-limits`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{}
			if err := lim.into(cmd, body); err != nil {
				return err
			}
			if len(models) > 0 && clear {
				return usagef(cmd, "--model-limit and --clear-model-limits: give one, not both")
			}
			if len(models) > 0 {
				ml, err := parseModelLimits(cmd, models)
				if err != nil {
					return err
				}
				body["model_limits"] = ml
			}
			if clear {
				body["model_limits"] = map[string]any{}
			}
			if len(body) == 0 {
				return usagef(cmd, "nothing to change: give --rpm, --tpm, --monthly-credits, --model-limit or --clear-model-limits")
			}
			raw, err := e.wsCall(cmd, http.MethodPatch, "/keys/"+seg(args[0]), body)
			if err != nil {
				return err
			}
			return e.show(cmd, e.forPeople(raw, "", "monthly_credits"), "",
				append(keyCols[:len(keyCols):len(keyCols)], column{"MODEL LIMITS", "model_limits"}))
		},
	}
	lim.bind(c, "the key's")
	c.Flags().StringArrayVar(&models, "model-limit", nil, modelLimitHelp+"; replaces every per-model limit")
	c.Flags().BoolVar(&clear, "clear-model-limits", false, "remove every per-model limit")
	return c
}

// workspaceLimitsFlags maps each `workspace limits` flag to its field of
// the admin API's limits object; credit caps are typed in credits.
var workspaceLimitsFlags = []struct{ flag, field, help string }{
	{"member-rpm", "member_rpm", "requests per minute of each member"},
	{"key-rpm", "key_rpm", "requests per minute of each workspace key"},
	{"workspace-rpm", "workspace_rpm", "requests per minute of the whole workspace"},
	{"member-tpm", "member_tpm", "tokens per minute of each member"},
	{"key-tpm", "key_tpm", "tokens per minute of each workspace key"},
	{"workspace-tpm", "workspace_tpm", "tokens per minute of the whole workspace"},
	{"member-monthly-credits", "member_monthly_credits", "spend cap of each member per billing period, in credits"},
	{"key-monthly-credits", "key_monthly_credits", "spend cap of each workspace key per billing period, in credits"},
}

var workspaceLimitsCols = cols("MEMBER RPM", "member_rpm", "KEY RPM", "key_rpm", "WORKSPACE RPM", "workspace_rpm",
	"MEMBER TPM", "member_tpm", "KEY TPM", "key_tpm", "WORKSPACE TPM", "workspace_tpm", "TOKENS", "token_count",
	"MEMBER MONTHLY", "member_monthly_credits_credits", "KEY MONTHLY", "key_monthly_credits_credits")

func workspaceLimitsCmd(e *cliEnv) *cobra.Command {
	vals := make([]string, len(workspaceLimitsFlags))
	var tokenCount string
	c := &cobra.Command{
		Use:   "limits",
		Short: "Show or change the workspace's rate and token limits and default monthly caps (0 is off)",
		Example: `  tollgate workspace limits
  tollgate workspace limits --member-tpm 20000 --token-count output
  tollgate workspace limits --member-monthly-credits 25 --key-monthly-credits 100`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			changes, err := workspaceLimitChanges(cmd, vals, tokenCount)
			if err != nil {
				return err
			}
			raw, err := e.wsCall(cmd, http.MethodGet, "", nil)
			if err != nil {
				return err
			}
			if len(changes) > 0 { // a PUT replaces every limit: start from the current ones
				var ws struct {
					Limits map[string]any `json:"limits"`
				}
				if json.Unmarshal(raw, &ws) != nil || ws.Limits == nil {
					return errors.New("the admin API sent a workspace without its limits")
				}
				maps.Copy(ws.Limits, changes)
				if raw, err = e.wsCall(cmd, http.MethodPut, "/limits", ws.Limits); err != nil {
					return err
				}
			}
			return e.show(cmd, e.forPeople(raw, "limits", "member_monthly_credits", "key_monthly_credits"), "limits", workspaceLimitsCols)
		},
	}
	for i, f := range workspaceLimitsFlags {
		c.Flags().StringVar(&vals[i], f.flag, "", f.help+" (0: off)")
	}
	c.Flags().StringVar(&tokenCount, "token-count", "", "which tokens the TPM limits count: total, input or output")
	return c
}

// workspaceLimitChanges returns the limits the flags set, under the admin
// API's field names; a bad value is a usage error.
func workspaceLimitChanges(cmd *cobra.Command, vals []string, tokenCount string) (map[string]any, error) {
	out := map[string]any{}
	for i, f := range workspaceLimitsFlags {
		if !cmd.Flags().Changed(f.flag) {
			continue
		}
		if strings.HasSuffix(f.field, "_credits") {
			v, err := creditsToMicro(cmd, "--"+f.flag, vals[i])
			if err != nil {
				return nil, err
			}
			out[f.field] = v
			continue
		}
		v, err := strconv.ParseInt(vals[i], 10, 64)
		if err != nil || v < 0 {
			return nil, usagef(cmd, "--%s: want a whole number, 0 for off, got %q", f.flag, vals[i])
		}
		out[f.field] = v
	}
	if cmd.Flags().Changed("token-count") {
		out["token_count"] = tokenCount
	}
	return out, nil
}
